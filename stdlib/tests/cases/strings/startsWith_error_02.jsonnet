std.startsWith("a", 1)
