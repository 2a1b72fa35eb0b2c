std.repeat("a", "b")
