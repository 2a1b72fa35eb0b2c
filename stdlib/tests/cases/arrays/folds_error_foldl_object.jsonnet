std.foldl(function(a, b) a + b, {a: 1}, 0)
