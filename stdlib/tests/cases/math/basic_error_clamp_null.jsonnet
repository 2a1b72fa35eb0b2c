std.clamp(null, 1, 2)
