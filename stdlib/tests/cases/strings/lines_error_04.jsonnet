std.lines(null)
