std.filter(function(x) 1, [1])
