std.avg({a: 1})
