// std.resolvePath, std.native, std.trace
{
  resolve_path: [std.resolvePath("a/b/c", "d"), std.resolvePath("c", "d"), std.resolvePath("", "d"), std.resolvePath("/a/", "d"), std.resolvePath("/", "d")],
  resolve_path_null: [std.resolvePath("a/b", null), std.resolvePath("a", null)],
  resolve_path_empty: std.resolvePath("a/b", ""),
  resolve_path_unicode: std.resolvePath("é/ü/x", "ö"),
  native_missing: std.native("no such function"),
  trace: std.trace("message", {a: 1}),
  trace_unicode: std.trace("é", [1]),
}
