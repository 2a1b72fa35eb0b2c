std.foldr(function(a, b) a + b, {a: 1}, 0)
