std.filterMap(1, function(x) x, [])
