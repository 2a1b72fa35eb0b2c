std.find(1, [function(x) x])
