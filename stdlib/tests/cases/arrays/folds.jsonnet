// std.foldl, std.foldr
{
  foldl: std.foldl(function(acc, x) acc + [x], [1, 2, 3], []),
  foldr: std.foldr(function(x, acc) acc + [x], [1, 2, 3], []),
  foldl_string: std.foldl(function(acc, c) c + acc, "abc", ""),
  foldr_string: std.foldr(function(c, acc) acc + c, "abc", ""),
  foldl_empty: std.foldl(error "not called", [], 5),
  foldr_empty_object: std.foldr(function(x, acc) acc, {}, "init"),
  foldl_unused_element: std.foldl(function(acc, x) acc, [error "unused"], 0),
  foldl_object_unused: std.foldl(function(acc, x) acc + 1, {a: 1, b: 2}, 0),
  foldl_long: std.foldl(function(acc, x) acc + x, std.range(1, 100000), 0),
}
