std.lstripChars("abc", 1)
