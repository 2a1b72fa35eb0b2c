// std.manifestJson / manifestJsonMinified / manifestJsonEx: layout,
// separators, empty containers, hidden fields.
local value = {
  a: [1, [2, []], {}, { x: null }],
  b: { c: { d: [] }, e:: 'hidden', f::: 'forced visible' },
  'key with "quotes"': true,
  '': false,
};
{
  json: std.manifestJson(value),
  minified: std.manifestJsonMinified(value),
  ex_two: std.manifestJsonEx(value, '  '),
  ex_tab: std.manifestJsonEx(value, '\t'),
  ex_empty_indent: std.manifestJsonEx(value, ''),
  ex_newline: std.manifestJsonEx(value, '  ', '\r\n'),
  ex_no_newline: std.manifestJsonEx(value, ' ', ''),
  ex_sep: std.manifestJsonEx(value, '', ' ', ' : '),
  ex_named: std.manifestJsonEx(value, key_val_sep='=', indent='-', newline='|'),
  empty_array: std.manifestJsonEx([], '  '),
  empty_object: std.manifestJsonEx({}, '  '),
  only_hidden: std.manifestJsonEx({ a:: 1 }, '  '),
  nested_empty: std.manifestJsonEx([[[]], {}, [{}]], '  '),
  empty_minified: std.manifestJsonMinified([[], {}]),
  scalars: [std.manifestJson(x) for x in [null, true, false, 0, 'x', -1.5]],
  json_nested: std.manifestJson({ a: { b: { c: [1, 2, { d: 'e' }] } } }),
  inherited: std.manifestJson({ a: 1, b:: 2 } + { b: 3, c: 4 }),
  inherited_hidden: std.manifestJson({ a: 1 } + { a:: 2 }),
  self_ref: std.manifestJson({ a: 1, b: self.a + 1 }),
}
