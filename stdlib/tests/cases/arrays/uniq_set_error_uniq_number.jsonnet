std.uniq(1)
