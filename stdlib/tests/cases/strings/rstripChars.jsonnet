// Edge cases of std.rstripChars, each field named after its expression.
{
  "std.rstripChars(\"abcc\", \"c\")": std.rstripChars("abcc", "c"),
  "std.rstripChars(\"a\ud83d\ude00\ud83d\ude00\", \"\ud83d\ude00\")": std.rstripChars("a😀😀", "😀"),
}
