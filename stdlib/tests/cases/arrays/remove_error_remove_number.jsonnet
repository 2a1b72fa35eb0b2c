std.remove(1, 1)
