std.min(1, [])
