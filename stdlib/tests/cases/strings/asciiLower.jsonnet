// Edge cases of std.asciiLower, each field named after its expression.
{
  "std.asciiLower(\"\u00c0BC\")": std.asciiLower("ÀBC"),
  "std.asciiLower(\"MiXeD 123 \u00c4\u00d6\")": std.asciiLower("MiXeD 123 ÄÖ"),
}
