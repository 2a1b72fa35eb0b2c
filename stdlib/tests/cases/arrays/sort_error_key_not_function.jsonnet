std.sort([3, 1], 1)
