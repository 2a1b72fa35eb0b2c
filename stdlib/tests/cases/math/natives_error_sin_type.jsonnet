std.sin(true)
