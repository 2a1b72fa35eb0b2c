// Edge cases of std.findSubstr, each field named after its expression.
{
  "std.findSubstr(\"\", \"a\")": std.findSubstr("", "a"),
  "std.findSubstr(\"aa\", \"aaaa\")": std.findSubstr("aa", "aaaa"),
  "std.findSubstr(\"\u00e9\", \"a\u00e9\u00e9\")": std.findSubstr("é", "aéé"),
  "std.findSubstr(\"a\", \"\")": std.findSubstr("a", ""),
  "std.findSubstr(\"\ud83d\ude00\", \"a\ud83d\ude00b\ud83d\ude00\")": std.findSubstr("😀", "a😀b😀"),
  "std.findSubstr(\"aba\", \"ababababa\")": std.findSubstr("aba", "ababababa"),
  "std.findSubstr(\"\u00e9\", \"\u00e9\u00e9\u00e9\")": std.findSubstr("é", "ééé"),
}
