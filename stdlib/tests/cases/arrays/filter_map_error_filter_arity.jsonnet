std.filter(function(x, y) true, [])
