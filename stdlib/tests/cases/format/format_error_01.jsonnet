std.format(1, [])
