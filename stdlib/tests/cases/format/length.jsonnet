// Edge cases of std.length, each field named after its expression.
{
  "std.length(std.stringChars({a: 1}))": std.length(std.stringChars({a: 1})),
}
