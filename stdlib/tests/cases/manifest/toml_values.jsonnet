// std.manifestTomlEx: keys, strings and numbers.
{
  keys: std.manifestTomlEx({
    bare: 1, 'with-dash_and_underscore': 2, ABC123: 3, '': 4, 'a b': 5, 'a.b': 6, 'é': 7, '"q"': 8,
    '1': 9, 'tab\t': 10, 'x/y': 11,
  }, '  '),
  table_keys: std.manifestTomlEx({ 'a b': { 'c.d': { e: [{ 'f"g': { h: 1 } }] } } }, '  '),
  strings: std.manifestTomlEx({
    s: ['', 'plain', 'quote " and \\', 'line\nbreak', 'tab\t', '\u0001\u007f\u009f', 'é 日本 😀', "'single'"],
  }, '  '),
  numbers: std.manifestTomlEx({ n: [0, -0, 1, -1, 0.1, 1e20, 1e-7, 123456789012345678901234567890, -2.5] }, '  '),
  booleans: std.manifestTomlEx({ t: true, f: false, l: [true, [false]] }, '  '),
  inline_objects: std.manifestTomlEx({ a: [{ b: { c: [1, { d: {} }] } }, 1] }, '  '),
}
