// Edge cases of std.equalsIgnoreCase, each field named after its expression.
{
  "std.equalsIgnoreCase(\"ABC\", \"abc\")": std.equalsIgnoreCase("ABC", "abc"),
  "std.equalsIgnoreCase(\"\", \"\")": std.equalsIgnoreCase("", ""),
  "std.equalsIgnoreCase(\"Stra\u00dfe\", \"STRASSE\")": std.equalsIgnoreCase("Straße", "STRASSE"),
  "std.equalsIgnoreCase(\"\u00e9\", \"\u00c9\")": std.equalsIgnoreCase("é", "É"),
}
