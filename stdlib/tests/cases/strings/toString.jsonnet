// Edge cases of std.toString, each field named after its expression.
{
  "std.toString(1.5)": std.toString(1.5),
  "std.toString(\"a\")": std.toString("a"),
  "std.toString([1, \"a\", {b: null}])": std.toString([1, "a", {b: null}]),
  "std.toString(null)": std.toString(null),
  "std.toString(1e100)": std.toString(1e100),
  "std.toString(0.1)": std.toString(0.1),
  "std.toString(-0)": std.toString(-0),
  "std.toString(true)": std.toString(true),
  "std.toString({a: [1, {}], b: \"x\\ny\"})": std.toString({a: [1, {}], b: "x\ny"}),
}
