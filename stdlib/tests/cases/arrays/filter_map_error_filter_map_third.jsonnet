std.filterMap(function(x) true, function(x) x, "abc")
