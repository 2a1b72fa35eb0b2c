// Edge cases of std.md5, each field named after its expression.
{
  "std.md5(\"\")": std.md5(""),
  "std.md5(\"\u00e9\")": std.md5("é"),
  "std.md5(\"The quick brown fox jumps over the lazy dog\")": std.md5("The quick brown fox jumps over the lazy dog"),
  "std.md5(\"\ud83d\ude00\")": std.md5("😀"),
}
