std.sign(null)
