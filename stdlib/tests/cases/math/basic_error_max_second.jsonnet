std.max(1, "a")
