std.max(a=1, 2)
