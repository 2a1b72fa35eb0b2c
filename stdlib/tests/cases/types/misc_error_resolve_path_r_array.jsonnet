std.resolvePath("a/b/c", [1])
