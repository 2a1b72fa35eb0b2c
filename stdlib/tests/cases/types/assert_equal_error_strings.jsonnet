std.assertEqual("a\n\"b", "c")
