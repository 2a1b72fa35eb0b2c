std.setInter([function(x) x], [function(x) x])
