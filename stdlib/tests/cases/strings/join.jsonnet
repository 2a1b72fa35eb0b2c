// Edge cases of std.join, each field named after its expression.
{
  "std.join(\",\", [\"a\", null, \"b\"])": std.join(",", ["a", null, "b"]),
  "std.join(\",\", [])": std.join(",", []),
  "std.join([0], [[1], [2], null, [3]])": std.join([0], [[1], [2], null, [3]]),
  "std.join(\",\", [null, null])": std.join(",", [null, null]),
  "std.join(\",\", [null, \"a\"])": std.join(",", [null, "a"]),
  "std.join(\"\", [\"a\", \"b\"])": std.join("", ["a", "b"]),
  "std.join(\"\ud83d\ude00\", [\"a\", \"b\"])": std.join("😀", ["a", "b"]),
  "std.join([], [[1], [2]])": std.join([], [[1], [2]]),
  "std.join([1, 2], [[], []])": std.join([1, 2], [[], []]),
  "std.join(\",\", [null])": std.join(",", [null]),
}
