std.get(1, "b")
