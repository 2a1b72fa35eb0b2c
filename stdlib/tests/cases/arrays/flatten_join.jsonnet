// std.flattenArrays, std.flattenDeepArray, std.deepJoin
{
  flatten: std.flattenArrays([[1, 2], [], [3, [4]]]),
  flatten_empty: std.flattenArrays([]),
  flatten_string_tail: std.flattenArrays([[1], "a"]),
  flatten_strings: std.flattenArrays(["a", "b"]),
  flatten_lazy: std.length(std.flattenArrays([[error "lazy"], [1]])),
  deep: std.flattenDeepArray([1, [2, [3, [[]], [4]]], "x"]),
  deep_scalar: std.flattenDeepArray(1),
  deep_string: std.flattenDeepArray("abc"),
  deep_empty: std.flattenDeepArray([]),
  deep_nested: std.flattenDeepArray(std.foldl(function(acc, i) [acc, i], std.range(1, 50), [])),
  deep_join: std.deepJoin(["a", ["b", ["c"]], [], "dé"]),
  deep_join_string: std.deepJoin("abc"),
  deep_join_empty: std.deepJoin([]),
}
