// Edge cases of std.startsWith, each field named after its expression.
{
  "std.startsWith(\"abc\", \"\")": std.startsWith("abc", ""),
  "std.startsWith(\"abc\", [1])": std.startsWith("abc", [1]),
  "std.startsWith(\"\", \"\")": std.startsWith("", ""),
  "std.startsWith(\"\u00e9\", \"\u00e9\")": std.startsWith("é", "é"),
}
