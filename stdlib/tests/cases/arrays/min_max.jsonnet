// std.minArray, std.maxArray
{
  max: std.maxArray([1, 3, 2]),
  min: std.minArray([1, 3, -2]),
  strings: [std.maxArray(["a", "c", "b"]), std.minArray("hello")],
  arrays: [std.maxArray([[1], [2], [1, 5]]), std.minArray([[1, 2], [1]])],
  key: [std.maxArray(["aaa", "b", "cc"], std.length), std.minArray(["aaa", "b", "cc"], std.length)],
  first_wins: [std.maxArray([{k: 1, v: "a"}, {k: 1, v: "b"}], function(x) x.k).v, std.minArray([{k: 1, v: "a"}, {k: 1, v: "b"}], function(x) x.k).v],
  on_empty: std.maxArray([], onEmpty="none"),
  on_empty_min: std.minArray([], onEmpty=null),
  on_empty_unused: std.maxArray([1], onEmpty=error "unused"),
  one: std.minArray([5]),
}
