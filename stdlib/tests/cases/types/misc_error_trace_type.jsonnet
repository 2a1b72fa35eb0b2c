std.trace(1, 5)
