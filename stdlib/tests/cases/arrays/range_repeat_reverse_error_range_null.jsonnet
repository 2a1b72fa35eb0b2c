std.range(1, null)
