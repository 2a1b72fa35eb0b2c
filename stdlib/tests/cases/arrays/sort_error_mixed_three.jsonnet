std.sort([1, "a", 2])
