// kcfg-divergence: std.id is go-jsonnet's (in its list of 156 names); the C++
// reference only has it as a local of its std.jsonnet, so there
// `std.id` is "field does not exist: id".
{
  values: [std.id(1), std.id('a'), std.id([1, { b: null }])],
  as_key: std.sort([3, 1, 2], std.id),
  named: std.id(x=true),
}
