// std.range with bounds beyond 2^63 (issue 13): the reference truncates
// them to C's long and computes the length in wrapping long arithmetic.
{
  huge_to_small: std.range(1e308, 1),
  length_huge_to_negative: std.length(std.range(1e100, -1)),
  same_huge: std.range(1e308, 1e308),
  same_negative_huge: std.range(-1e308, -1e308),
  both_out_of_range: std.length(std.range(-5e18, 5e18)),
  negative_huge_to_one: std.range(-1e308, 1),
  near_the_top: std.range(9.2e18, 9.2e18),
  decode_of_an_empty_range: std.decodeUTF8(std.range(1e308, 0)),
}
