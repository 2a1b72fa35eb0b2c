std.lines("ab")
