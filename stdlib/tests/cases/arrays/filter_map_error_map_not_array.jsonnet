std.map(function(x) x, {})
