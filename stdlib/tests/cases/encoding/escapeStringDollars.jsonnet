// Edge cases of std.escapeStringDollars, each field named after its expression.
{
  "std.escapeStringDollars(\"$a$$\")": std.escapeStringDollars("$a$$"),
  "std.escapeStringDollars(1)": std.escapeStringDollars(1),
  "std.escapeStringDollars(\"\")": std.escapeStringDollars(""),
  "std.escapeStringDollars(\"$$$\")": std.escapeStringDollars("$$$"),
  "std.escapeStringDollars({a: \"$\"})": std.escapeStringDollars({a: "$"}),
}
