// Sizes computed from the input (issue 13), within limits.
{
  repeat_string: std.length(std.repeat('ab', 1000)),
  repeat_array: std.length(std.repeat([1, 2], 1000)),
  replace: std.length(std.strReplace(std.repeat('a', 100), 'a', std.repeat('b', 100))),
  join: std.length(std.join(std.repeat('-', 100), std.repeat(['x'], 100))),
  slice_small_step: 'abcdef'[0:6:0.5],
}
