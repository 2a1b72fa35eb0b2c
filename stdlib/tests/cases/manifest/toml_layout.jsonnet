// std.manifestTomlEx / manifestToml: tables, arrays of tables, inline
// values, blank lines between sections.
local value = {
  title: 'TOML',
  n: 1.5,
  flag: false,
  empty_array: [],
  empty_inline: [{}],
  list: [1, 'two', [3, [4]], { five: 5, six: [6] }, []],
  objects_and_scalars: [{ a: 1 }, 2],
  owner: { name: 'Tom', dob: '1979-05-27', nested: { deeper: { deepest: true } } },
  products: [{ name: 'Hammer', sku: 738594937 }, {}, { name: 'Nail', sizes: [1, 2], color: { r: 1 } }],
  only_sections: { a: { b: 1 }, c: [{ d: 2 }] },
  empty_table: {},
  hidden:: { x: 1 },
  table_arrays: { fruits: [{ name: 'apple', physical: { color: 'red' }, varieties: [{ name: 'red delicious' }, { name: 'granny smith' }] }, { name: 'banana' }] },
};
{
  default: std.manifestToml(value),
  two: std.manifestTomlEx(value, '  '),
  tab: std.manifestTomlEx(value, '\t'),
  none: std.manifestTomlEx(value, ''),
  number_indent: std.manifestTomlEx(value, 4),
  empty: std.manifestTomlEx({}, '  '),
  only_hidden: std.manifestTomlEx({ a:: 1 }, '  '),
  one_table: std.manifestTomlEx({ a: { b: 1 } }, '  '),
  empty_subtable: std.manifestTomlEx({ a: {} }, '  '),
  empty_subtable_kv: std.manifestTomlEx({ a: {}, b: 1 }, '  '),
  nested_only_sections: std.manifestTomlEx({ a: { b: { c: { d: 1 } } } }, '  '),
  table_array_empty_elements: std.manifestTomlEx({ a: [{}, {}], b: [{ c: {} }] }, '  '),
  unused_indent: std.manifestTomlEx({ a: 1, b: { c: {} }, d: [1, [2]] }, error 'indent not needed'),
}
