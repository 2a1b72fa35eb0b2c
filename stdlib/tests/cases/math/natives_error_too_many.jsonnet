std.floor(1, 2)
