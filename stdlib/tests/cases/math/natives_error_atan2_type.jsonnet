std.atan2("a", 1)
