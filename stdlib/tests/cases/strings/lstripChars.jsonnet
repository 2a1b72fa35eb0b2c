// Edge cases of std.lstripChars, each field named after its expression.
{
  "std.lstripChars(\"aabc\", \"a\")": std.lstripChars("aabc", "a"),
  "std.lstripChars(\"aabc\", [\"a\"])": std.lstripChars("aabc", ["a"]),
  "std.lstripChars(\"aabc\", \"\")": std.lstripChars("aabc", ""),
  "std.lstripChars([1,2,1], [1])": std.lstripChars([1,2,1], [1]),
  "std.lstripChars({}, \"a\")": std.lstripChars({}, "a"),
  "std.lstripChars(\"\u00e9\u00e9a\", \"\u00e9\")": std.lstripChars("ééa", "é"),
}
