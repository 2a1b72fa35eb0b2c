std.repeat("a", -1)
