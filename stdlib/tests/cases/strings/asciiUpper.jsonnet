// Edge cases of std.asciiUpper, each field named after its expression.
{
  "std.asciiUpper(\"\u00e0bc\")": std.asciiUpper("àbc"),
  "std.asciiUpper(\"\")": std.asciiUpper(""),
}
