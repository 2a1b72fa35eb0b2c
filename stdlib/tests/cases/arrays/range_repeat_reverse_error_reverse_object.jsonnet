std.reverse({a: 1})[0]
