std.maxArray(1)
