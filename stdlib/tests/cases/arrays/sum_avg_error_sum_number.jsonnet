std.sum(5)
