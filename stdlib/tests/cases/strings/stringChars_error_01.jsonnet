std.stringChars(1)
