std.objectHas({a: 1}, 1)
