std.maxArray([1, "a"])
