std.isEmpty(1)
