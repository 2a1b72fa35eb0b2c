std.toString(function(x) x)
