std.member({}, 1)
