// Edge cases of std.escapeStringJson, each field named after its expression.
{
  "std.escapeStringJson(\"a\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u007f\\u0080\\u009f\\u00a0\u00e9/\")": std.escapeStringJson("a\"\\\b\f\n\r\t\u0001\u007f\u0080\u009f\u00a0é/"),
  "std.escapeStringJson(1)": std.escapeStringJson(1),
  "std.escapeStringJson({a: \"x\"})": std.escapeStringJson({a: "x"}),
  "std.escapeStringJson(\"\")": std.escapeStringJson(""),
  "std.escapeStringJson(\"\ud83d\ude00\\u2028\")": std.escapeStringJson("😀\u2028"),
  "std.escapeStringJson(null)": std.escapeStringJson(null),
  "std.escapeStringJson([1, \"a\"])": std.escapeStringJson([1, "a"]),
}
