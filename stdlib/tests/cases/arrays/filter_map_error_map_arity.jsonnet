std.map(function(x, y) x, [1])
