std.uniq([1, 2], "k")
