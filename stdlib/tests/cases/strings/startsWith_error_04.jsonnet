std.startsWith({a: 1, b: 2}, "a")
