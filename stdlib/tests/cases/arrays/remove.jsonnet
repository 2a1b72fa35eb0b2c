// std.removeAt, std.remove
{
  remove_at: std.removeAt([1, 2, 3], 1),
  remove_at_first: std.removeAt([1, 2, 3], 0),
  remove_at_last: std.removeAt([1, 2, 3], 2),
  remove_at_out: std.removeAt([1, 2, 3], 5),
  remove_at_negative: std.removeAt([1, 2, 3], -1),
  remove_at_fraction: std.removeAt([1, 2, 3], 1.5),
  remove_at_string_index: std.removeAt([1, 2, 3], "1"),
  remove_at_chars: std.removeAt("abc", 1),
  remove_at_empty: std.removeAt([], error "lazy"),
  remove_at_lazy: std.removeAt([error "lazy", 1], 0),
  remove_at_object_lazy: std.length(std.removeAt({a: 1, b: 2}, 0)),
  remove_at_view: std.removeAt(std.range(0, 40), 20)[18:23],
  remove: std.remove([1, 2, 1], 1),
  remove_none: std.remove([1, 2], 3),
  remove_deep: std.remove([[1], [2], [1]], [1]),
  remove_empty: std.remove([], 1),
}
