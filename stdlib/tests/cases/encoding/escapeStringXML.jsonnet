// Edge cases of std.escapeStringXML, each field named after its expression.
{
  "std.escapeStringXML(\"<a href=\\\"x\\\">'&'</a>\")": std.escapeStringXML("<a href=\"x\">'&'</a>"),
  "std.escapeStringXML(1)": std.escapeStringXML(1),
  "std.escapeStringXML(\"\")": std.escapeStringXML(""),
  "std.escapeStringXML(\"a&b&c\")": std.escapeStringXML("a&b&c"),
  "std.escapeStringXML([\"<\"])": std.escapeStringXML(["<"]),
}
