std.set(2)
