std.setUnion([1], ["a"])
