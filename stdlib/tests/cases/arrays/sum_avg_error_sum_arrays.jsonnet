std.sum([[1], [2]])
