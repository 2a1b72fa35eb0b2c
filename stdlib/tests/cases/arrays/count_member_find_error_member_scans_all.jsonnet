std.member([1, function(x) x], 1)
