// Edge cases of std.escapeStringBash, each field named after its expression.
{
  "std.escapeStringBash(\"it's\")": std.escapeStringBash("it's"),
  "std.escapeStringBash(1)": std.escapeStringBash(1),
  "std.escapeStringBash(\"\")": std.escapeStringBash(""),
  "std.escapeStringBash(\"''\")": std.escapeStringBash("''"),
  "std.escapeStringBash(\"$HOME \\\"x\\\"\")": std.escapeStringBash("$HOME \"x\""),
}
