std.pow(1)
