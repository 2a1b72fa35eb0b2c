// Edge cases of std.codepoint, each field named after its expression.
{
  "std.codepoint(\"\u00e9\")": std.codepoint("é"),
  "std.codepoint(\"\ud83d\ude00\")": std.codepoint("😀"),
  "std.codepoint(\"\\u0000\")": std.codepoint("\u0000"),
}
