std.lines({})
