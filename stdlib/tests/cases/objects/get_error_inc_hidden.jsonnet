std.get({}, "a", 1, 1)
