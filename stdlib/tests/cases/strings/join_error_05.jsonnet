std.join(null, [])
