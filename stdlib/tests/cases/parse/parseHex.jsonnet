// Edge cases of std.parseHex, each field named after its expression.
{
  "std.parseHex(\"ff\")": std.parseHex("ff"),
  "std.parseHex(\"FF\")": std.parseHex("FF"),
  "std.parseHex(\"DeadBeef\")": std.parseHex("DeadBeef"),
  "std.parseHex(\":\")": std.parseHex(":"),
  "std.parseHex(\"7fffffffffffffff\")": std.parseHex("7fffffffffffffff"),
}
