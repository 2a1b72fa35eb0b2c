std.deepJoin(["a", ["b", 1]])
