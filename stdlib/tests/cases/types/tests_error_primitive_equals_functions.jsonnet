std.primitiveEquals(function(x) x, function(x) x)
