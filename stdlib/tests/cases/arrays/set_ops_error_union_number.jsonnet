std.setUnion(1, [])
