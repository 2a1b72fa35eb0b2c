std.sort([function(x) x, function(x) x])
