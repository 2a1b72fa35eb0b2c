std.setUnion([], {a: 1})
