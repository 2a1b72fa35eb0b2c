// Edge cases of std.lines, each field named after its expression.
{
  "std.lines([\"a\", \"b\"])": std.lines(["a", "b"]),
  "std.lines([])": std.lines([]),
  "std.lines([\"a\", null, \"b\"])": std.lines(["a", null, "b"]),
  "std.lines([\"\ud83d\ude00\"])": std.lines(["😀"]),
}
