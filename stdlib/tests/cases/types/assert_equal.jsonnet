// std.assertEqual
{
  equal: std.assertEqual({a: [1, "x"]}, {a: [1, "x"]}),
  hidden_ignored: std.assertEqual({a: 1} + {b:: 2}, {a: 1}),
}
