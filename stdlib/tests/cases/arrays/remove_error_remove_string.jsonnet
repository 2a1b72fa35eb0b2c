std.remove("aba", "a")
