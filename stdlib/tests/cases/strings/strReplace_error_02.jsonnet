std.strReplace(1, "a", "b")
