// Edge cases of std.parseOctal, each field named after its expression.
{
  "std.parseOctal(\"17\")": std.parseOctal("17"),
  "std.parseOctal(\"777\")": std.parseOctal("777"),
  "std.parseOctal(\"0\")": std.parseOctal("0"),
}
