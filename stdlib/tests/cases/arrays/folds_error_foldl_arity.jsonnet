std.foldl(function(a) a, [1], 0)
