std.equals({a: function(x) x}, {a: function(x) x})
