std.mapWithIndex(function(i, x) x, 1)
