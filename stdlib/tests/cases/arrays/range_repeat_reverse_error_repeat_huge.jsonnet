std.repeat([1], 1e30)
