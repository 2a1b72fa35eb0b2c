std.deepJoin(["a", null])
