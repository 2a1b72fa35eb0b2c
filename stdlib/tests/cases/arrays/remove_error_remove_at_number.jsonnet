std.removeAt(1, 1)
