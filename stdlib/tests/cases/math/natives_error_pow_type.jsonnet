std.pow("a", 1)
