std.foldl(1, [1], 0)
