// Edge cases of std.escapeStringPython, each field named after its expression.
{
  "std.escapeStringPython(\"a'b\\\"\")": std.escapeStringPython("a'b\""),
  "std.escapeStringPython(\"\\n\")": std.escapeStringPython("\n"),
}
