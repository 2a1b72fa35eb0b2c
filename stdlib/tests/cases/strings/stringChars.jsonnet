// Edge cases of std.stringChars, each field named after its expression.
{
  "std.stringChars(\"h\u00e9llo\")": std.stringChars("héllo"),
  "std.stringChars([1,2])": std.stringChars([1,2]),
  "std.stringChars(\"\")": std.stringChars(""),
  "std.stringChars(\"\ud83d\ude00\u00e9\")": std.stringChars("😀é"),
}
