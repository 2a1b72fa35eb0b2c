std.assertEqual({a: function(x) x}, {a: 1})
