// Edge cases of std.parseInt, each field named after its expression.
{
  "std.parseInt(\"123\")": std.parseInt("123"),
  "std.parseInt(\"-123\")": std.parseInt("-123"),
  "std.parseInt(\"99999999999999999999\")": std.parseInt("99999999999999999999"),
  "std.parseInt(\"-0\")": std.parseInt("-0"),
  "std.parseInt(\"0\")": std.parseInt("0"),
  "std.parseInt(\"007\")": std.parseInt("007"),
  "std.parseInt(\"-007\")": std.parseInt("-007"),
  "std.parseInt(\"9007199254740993\")": std.parseInt("9007199254740993"),
}
