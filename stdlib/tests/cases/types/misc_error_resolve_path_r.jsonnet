std.resolvePath("a/b", 1)
