std.assertEqual("é", "\u0001")
