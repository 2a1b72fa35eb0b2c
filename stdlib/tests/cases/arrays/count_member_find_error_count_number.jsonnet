std.count(1, 1)
