// Edge cases of std.trim, each field named after its expression.
{
  "std.trim(\" \\t\\na b\\n\\r \")": std.trim(" \t\na b\n\r "),
  "std.trim(\"\\u0085\\u00a0x\\u00a0\")": std.trim("\u0085\u00a0x\u00a0"),
  "std.trim(\"\")": std.trim(""),
  "std.trim(\"\\u00a0 x \\u0085\")": std.trim("\u00a0 x \u0085"),
  "std.trim(\"   \")": std.trim("   "),
}
