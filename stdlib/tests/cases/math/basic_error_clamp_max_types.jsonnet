std.clamp(5, 1, "z")
