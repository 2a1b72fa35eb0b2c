// Edge cases of std.isEmpty, each field named after its expression.
{
  "std.isEmpty(\"\")": std.isEmpty(""),
  "std.isEmpty([])": std.isEmpty([]),
  "std.isEmpty({})": std.isEmpty({}),
  "std.isEmpty(function(x) x)": std.isEmpty(function(x) x),
  "std.isEmpty(\"\ud83d\ude00\")": std.isEmpty("😀"),
}
