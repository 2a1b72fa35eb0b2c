std.deepJoin(1)
