// Edge cases of std.base64, each field named after its expression.
{
  "std.base64(\"\u00e9\")": std.base64("é"),
  "std.base64([1, 2, 3, 4])": std.base64([1, 2, 3, 4]),
  "std.base64([-1])": std.base64([-1]),
  "std.base64([1.5, 2.7])": std.base64([1.5, 2.7]),
  "std.base64(\"\")": std.base64(""),
  "std.base64([])": std.base64([]),
  "std.base64(\"hello world\")": std.base64("hello world"),
  "std.base64([0, 255, 128])": std.base64([0, 255, 128]),
  "std.base64(\"\u00ff\")": std.base64("ÿ"),
  "std.base64(\"a\") + std.base64(\"ab\") + std.base64(\"abc\")": std.base64("a") + std.base64("ab") + std.base64("abc"),
}
