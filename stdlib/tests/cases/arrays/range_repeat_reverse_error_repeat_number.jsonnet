std.repeat(1, 3)
