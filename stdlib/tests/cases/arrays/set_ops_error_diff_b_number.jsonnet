std.setDiff([1], 2)
