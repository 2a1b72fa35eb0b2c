std.filterMap(function(x) null, function(x) x, [1])
