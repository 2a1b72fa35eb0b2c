std.round([1])
