// std.sum, std.avg
{
  sum_empty: std.sum([]),
  sum: std.sum([1, 2.5, -3]),
  sum_strings: std.sum(["a", "b"]),
  sum_string_chars: std.sum("ab"),
  sum_mixed: std.sum([1, "a", 2]),
  sum_empty_object: std.sum({}),
  avg: std.avg([1, 2, 3, 4]),
  avg_fraction: std.avg([1, 2]),
  avg_big: std.avg(std.range(1, 1000)),
}
