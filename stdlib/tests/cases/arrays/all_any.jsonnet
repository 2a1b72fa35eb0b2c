// std.all, std.any, std.contains
{
  all_empty: std.all([]),
  any_empty: std.any([]),
  all_true: std.all([true, true]),
  all_false: std.all([true, false, 1]),
  any_stops: std.any([false, true, "not checked"]),
  any_lazy: std.any([true, error "never"]),
  contains: [std.contains([1, 2, 3], 2), std.contains([], 1), std.contains([[1]], [1]), std.contains([{a: 1}], {a: 1}), std.contains(["é"], "é")],
  contains_stops: std.contains([1, error "never"], 1),
}
