std.substr("a", "1", 2)
