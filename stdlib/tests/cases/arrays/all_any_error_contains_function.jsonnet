std.contains([function(x) x], 1)
