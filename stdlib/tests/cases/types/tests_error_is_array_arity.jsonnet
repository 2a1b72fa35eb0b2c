std.isArray()
