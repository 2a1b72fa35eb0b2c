std.avg(1)
