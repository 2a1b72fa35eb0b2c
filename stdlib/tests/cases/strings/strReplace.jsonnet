// Edge cases of std.strReplace, each field named after its expression.
{
  "std.strReplace(\"aaa\", \"aa\", \"b\")": std.strReplace("aaa", "aa", "b"),
  "std.strReplace(\"abcabc\", \"bc\", \"X\")": std.strReplace("abcabc", "bc", "X"),
  "std.strReplace(\"\u00e9\u00e9\u00e9\", \"\u00e9\", \"e\")": std.strReplace("ééé", "é", "e"),
  "std.strReplace(\"abc\", \"abc\", \"\")": std.strReplace("abc", "abc", ""),
  "std.strReplace(\"\", \"a\", \"b\")": std.strReplace("", "a", "b"),
  "std.strReplace(\"aaaa\", \"a\", \"aa\")": std.strReplace("aaaa", "a", "aa"),
}
