std.uniq({a: 1, b: 2})
