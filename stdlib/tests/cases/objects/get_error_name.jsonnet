std.get({}, 1)
