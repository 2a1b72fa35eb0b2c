std.assertEqual("1", 1)
