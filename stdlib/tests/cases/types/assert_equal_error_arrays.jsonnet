std.assertEqual([1, "a"], [1])
