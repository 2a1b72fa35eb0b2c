// Edge cases of std.substr, each field named after its expression.
{
  "std.substr(\"hello\", 1, 3)": std.substr("hello", 1, 3),
  "std.substr(\"hello\", 10, 3)": std.substr("hello", 10, 3),
  "std.substr(\"hello\", 1.5, 2.7)": std.substr("hello", 1.5, 2.7),
  "std.substr(\"h\u00e9llo\", 1, 100)": std.substr("héllo", 1, 100),
  "std.substr(\"hello\", 5, 1)": std.substr("hello", 5, 1),
  "std.substr(\"h\u00e9llo w\u00f6rld\", 4, 3)": std.substr("héllo wörld", 4, 3),
  "std.substr(\"\ud83d\ude00\ud83d\ude01\ud83d\ude02\", 1, 1)": std.substr("😀😁😂", 1, 1),
  "std.substr(\"\", 0, 0)": std.substr("", 0, 0),
  "std.substr(\"abc\", 0, 0)": std.substr("abc", 0, 0),
  "std.substr(\"abc\", 3, 1)": std.substr("abc", 3, 1),
}
