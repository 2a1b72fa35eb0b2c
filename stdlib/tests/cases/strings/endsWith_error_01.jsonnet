std.endsWith([1,2], [2])
