std.assertEqual(1.5, null)
