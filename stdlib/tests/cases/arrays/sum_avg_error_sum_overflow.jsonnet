std.sum([1e308, 1e308])
