std.acos(-2)
