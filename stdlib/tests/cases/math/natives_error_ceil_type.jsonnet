std.ceil([])
