std.assertEqual(function(x) x, 1)
