std.resolvePath("a", true)
