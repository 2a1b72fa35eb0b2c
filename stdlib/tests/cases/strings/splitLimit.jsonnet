// Edge cases of std.splitLimit, each field named after its expression.
{
  "std.splitLimit(\"a,b,c\", \",\", 1)": std.splitLimit("a,b,c", ",", 1),
  "std.splitLimit(\"a,b,c\", \",\", 0)": std.splitLimit("a,b,c", ",", 0),
  "std.splitLimit(\"a,b,c\", \",\", -2)": std.splitLimit("a,b,c", ",", -2),
  "std.splitLimit(\"a,b,c\", \",\", 1.5)": std.splitLimit("a,b,c", ",", 1.5),
  "std.splitLimit(\"\", \",\", -1)": std.splitLimit("", ",", -1),
  "std.splitLimit(\"abc\", \"\", 2)": std.splitLimit("abc", "", 2),
  "std.splitLimit(\"a\ud83d\ude00b\ud83d\ude00c\", \"\ud83d\ude00\", 1)": std.splitLimit("a😀b😀c", "😀", 1),
  "std.splitLimit(\",a,\", \",\", -1)": std.splitLimit(",a,", ",", -1),
}
