std.count("aba", "a")
