std.range("a", 1)
