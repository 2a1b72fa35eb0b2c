std.trace("a", 1, 2)
