// std.manifestJsonEx: the layout parameters are concatenated to strings,
// and only evaluated when the output needs them.
{
  number_indent: std.manifestJsonEx([1, [2]], 4),
  number_all: std.manifestJsonEx({ a: [1] }, 4, 5, 6),
  null_and_arrays: std.manifestJsonEx([1], null, [1], { a: 1 }),
  bool_indent: std.manifestJsonEx({ a: { b: 1 } }, true),
  unused_scalar: std.manifestJsonEx(1, error 'indent is not needed'),
  unused_empty_array: std.manifestJsonEx([], error 'indent is not needed'),
  unused_hidden: std.manifestJsonEx({ a:: 1 }, error 'indent is not needed'),
  unused_sep: std.manifestJsonEx([1, 2], ' ', '\n', error 'no keys'),
  unused_newline: std.manifestJsonEx('x', ' ', error 'no containers'),
  hidden_assert: std.manifestJsonEx({ a:: 1, assert false }, ' '),
}
