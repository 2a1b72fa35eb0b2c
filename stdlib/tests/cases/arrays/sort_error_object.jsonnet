std.sort({a: 1, b: 2})
