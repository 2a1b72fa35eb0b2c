std.lstripChars(1, "a")
