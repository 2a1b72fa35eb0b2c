// Edge cases of std.char, each field named after its expression.
{
  "std.char(1114111)": std.char(1114111),
  "std.char(65.7)": std.char(65.7),
  "std.char(0)": std.char(0),
  "std.char(128512)": std.char(128512),
  "std.char(127)": std.char(127),
  "std.char(0.99)": std.char(0.99),
  "std.char(-0.5)": std.char(-0.5),
}
