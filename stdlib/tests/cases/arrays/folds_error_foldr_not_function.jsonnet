std.foldr("f", [1], 0)
