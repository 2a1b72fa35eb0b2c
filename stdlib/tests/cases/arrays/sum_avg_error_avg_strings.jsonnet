std.avg(["a"])
