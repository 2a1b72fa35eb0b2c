// Edge cases of std.encodeUTF8, each field named after its expression.
{
  "std.encodeUTF8(\"\u00e9\ud83d\ude00\")": std.encodeUTF8("é😀"),
  "std.encodeUTF8(\"\")": std.encodeUTF8(""),
  "std.encodeUTF8(\"a\u00e9\ud83d\ude00\")": std.encodeUTF8("aé😀"),
}
