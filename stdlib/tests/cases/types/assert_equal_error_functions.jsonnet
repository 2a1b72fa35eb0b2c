std.assertEqual(function(x) x, function(x) x)
