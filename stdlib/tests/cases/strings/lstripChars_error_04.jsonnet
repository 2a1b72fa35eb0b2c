std.lstripChars([1, "a", 2], "a")
