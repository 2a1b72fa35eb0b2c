std.filterMap(function(x) true, "f", [])
