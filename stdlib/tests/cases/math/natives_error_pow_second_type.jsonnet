std.pow(1, null)
