std.lstripChars({a: 1}, "a")
