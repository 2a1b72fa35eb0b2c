std.min(null, 1)
