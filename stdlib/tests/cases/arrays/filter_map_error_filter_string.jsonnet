std.filter(function(x) true, "abc")
