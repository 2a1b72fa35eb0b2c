std.map(1, [])
