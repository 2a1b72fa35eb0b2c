// std.mapWithKey
{
  map: std.mapWithKey(function(k, v) k + v, {a: "x", b: "y", c:: "z"}),
  empty: std.mapWithKey(function(k, v) error "never", {}),
  lazy: std.objectFields(std.mapWithKey(function(k, v) error "lazy", {a: 1})),
  value_lazy: std.mapWithKey(function(k, v) k, {a: error "unused"}),
  builtin: std.mapWithKey(std.objectHas, {a: {a: 1}, b: {}}),
  late_bound: std.mapWithKey(function(k, v) v, {a: 1, b: self.a + 1}),
}
