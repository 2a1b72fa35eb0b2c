std.removeAt({a: 1, b: 2}, 0)[0]
