std.round(null)
