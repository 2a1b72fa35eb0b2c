// Edge cases of std.stripChars, each field named after its expression.
{
  "std.stripChars(\"  a  \", \" \")": std.stripChars("  a  ", " "),
  "std.stripChars([1,2,1], [1])": std.stripChars([1,2,1], [1]),
  "std.stripChars(\"xay\", \"xy\")": std.stripChars("xay", "xy"),
  "std.stripChars(\"\", 1)": std.stripChars("", 1),
  "std.stripChars(\"xxaxx\", \"x\")": std.stripChars("xxaxx", "x"),
  "std.stripChars(\"aaa\", \"a\")": std.stripChars("aaa", "a"),
}
