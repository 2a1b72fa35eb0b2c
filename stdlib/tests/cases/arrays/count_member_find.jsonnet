// std.count, std.member, std.find
{
  count: std.count([1, 2, 1, "1"], 1),
  count_empty: std.count([], error "lazy"),
  count_deep: std.count([[1], [1], [2]], [1]),
  member_array: [std.member([1, 2], 2), std.member([], 1), std.member([null], null)],
  member_string: [std.member("hello", "ll"), std.member("hello", ""), std.member("", "a"), std.member("héllo", "é"), std.member("ab", "abc")],
  find: std.find(1, [1, 2, 1, 3, 1]),
  find_none: std.find(4, [1, 2]),
  find_empty: std.find(error "lazy", []),
  find_objects: std.find({a: 1}, [{a: 1}, {a: 2}, {a: 1, b:: 3}]),
}
