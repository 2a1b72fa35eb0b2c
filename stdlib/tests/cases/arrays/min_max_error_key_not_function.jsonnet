std.minArray([1, 2], 5)
