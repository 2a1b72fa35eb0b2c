std.maxArray(["a", 1])
