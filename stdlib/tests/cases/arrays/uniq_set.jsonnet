// std.uniq, std.set
{
  uniq: std.uniq([1, 1, 2, 1, 3, 3]),
  uniq_empty: std.uniq([]),
  uniq_one_lazy: std.length(std.uniq([error "lazy"])),
  uniq_string: std.uniq("aabbba"),
  uniq_types: std.uniq([1, "1", 1, [1], [1]]),
  uniq_key: std.uniq([1, 2, 3, 4], function(x) std.floor(x / 2)),
  uniq_key_lazy: std.uniq([1], error "no key"),
  set: std.set([3, 1, 1, 2, 3]),
  set_string: std.set("hello"),
  set_empty: std.set([]),
  set_one: std.set("a"),
  set_key: std.set(["bb", "a", "cc", "d"], std.length),
  set_objects: std.set([{n: 2}, {n: 1}, {n: 2}], function(o) o.n),
  set_arrays: std.set([[1, 2], [1], [1, 2]]),
  set_long: std.set(std.makeArray(200, function(i) (i * 7) % 50)),
}
