std.substr("hello", -1, 3)
