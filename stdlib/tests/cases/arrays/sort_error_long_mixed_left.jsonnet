std.sort(["a"] + std.range(1, 40))
