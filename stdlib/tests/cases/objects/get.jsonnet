// std.get
{
  present: std.get({a: 1}, "a"),
  missing: std.get({a: 1}, "b"),
  default: std.get({a: 1}, "b", 3),
  hidden: std.get({a:: 1}, "a"),
  hidden_excluded: std.get({a:: 1}, "a", 2, false),
  default_lazy: std.get({a: 1}, "a", error "unused"),
  named: std.get({a:: 1}, "a", inc_hidden=false, default="d"),
  null_value: std.get({a: null}, "a", 5),
}
