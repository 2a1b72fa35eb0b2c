// Edge cases of std.split, each field named after its expression.
{
  "std.split(\"a,b,,c\", \",\")": std.split("a,b,,c", ","),
  "std.split(\"a::b\", \"::\")": std.split("a::b", "::"),
  "std.split(\"aaa\", \"aa\")": std.split("aaa", "aa"),
  "std.split(\"a\ud83d\ude00b\ud83d\ude00c\", \"\ud83d\ude00\")": std.split("a😀b😀c", "😀"),
}
