std.isInteger({})
