std.xor(function(x) x, function(x) x)
