// Edge cases of std.splitLimitR, each field named after its expression.
{
  "std.splitLimitR(\"a,b,c\", \",\", 1)": std.splitLimitR("a,b,c", ",", 1),
  "std.splitLimitR(\"a,b,c\", \",\", -1)": std.splitLimitR("a,b,c", ",", -1),
  "std.splitLimitR(\"a,b,c\", \",\", 0)": std.splitLimitR("a,b,c", ",", 0),
  "std.splitLimitR(\"aaa\", \"aa\", 1)": std.splitLimitR("aaa", "aa", 1),
  "std.splitLimitR(\"a\ud83d\ude00b\ud83d\ude00c\", \"\ud83d\ude00\", 1)": std.splitLimitR("a😀b😀c", "😀", 1),
  "std.splitLimitR(\"a::b::c\", \"::\", 2)": std.splitLimitR("a::b::c", "::", 2),
  "std.splitLimitR(\"a,b,c\", \",\", -2)": std.splitLimitR("a,b,c", ",", -2),
}
