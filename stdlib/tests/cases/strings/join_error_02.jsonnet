std.join([0], [[1], "a"])
