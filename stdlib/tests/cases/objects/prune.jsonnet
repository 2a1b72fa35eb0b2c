// std.prune
{
  object: std.prune({a: null, b: [], c: {}, d: [null, {x: null}], e: 0, f: false, g: "", h: {i: [[]], j: 1}}),
  array: std.prune([null, [], {}, [null], 1, [2, null]]),
  scalars: [std.prune(1), std.prune(null), std.prune("a"), std.prune(false)],
  hidden: std.prune({a:: 1, b: 2}),
  empty: [std.prune({}), std.prune([])],
  nested: std.prune({a: {b: {c: {d: null}}}, e: [[[1]]]}),
}
