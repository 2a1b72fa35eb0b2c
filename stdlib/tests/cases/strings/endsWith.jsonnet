// Edge cases of std.endsWith, each field named after its expression.
{
  "std.endsWith(\"abc\", \"bc\")": std.endsWith("abc", "bc"),
  "std.endsWith(\"a\", {})": std.endsWith("a", {}),
  "std.endsWith(\"\ud83d\ude00x\", \"x\")": std.endsWith("😀x", "x"),
  "std.endsWith(\"abc\", \"abcd\")": std.endsWith("abc", "abcd"),
}
