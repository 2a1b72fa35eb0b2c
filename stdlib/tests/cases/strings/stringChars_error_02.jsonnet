std.stringChars({a: 1})
