std.flatMap(function(x) null, "a")
