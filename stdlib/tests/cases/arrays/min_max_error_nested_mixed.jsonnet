std.maxArray([[1, [1]], [1, "a"]])
