std.sort(std.range(1, 40) + ["a"])
