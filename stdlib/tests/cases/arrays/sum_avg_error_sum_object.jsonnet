std.sum({a: 1})
