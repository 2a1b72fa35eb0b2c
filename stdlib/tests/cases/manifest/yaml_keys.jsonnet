// std.manifestYamlDoc(quote_keys=false): which keys may be written bare.
local keys = [
  '', ' ', 'a b', 'abc', 'ABC', 'a/b', '/', '//', 'a.b', '.', '..', '...', '_', '__', '-', '--', '---',
  'a-b', '-a', 'a-', 'a_b', '_a', 'true', 'True', 'TRUE', 'false', 'yes', 'Yes', 'no', 'NO', 'on', 'On',
  'off', 'y', 'Y', 'n', 'N', 'null', 'Null', 'NULL', '~', '.nan', '.NaN', '.inf', '-.inf', '+.inf', '.Inf',
  '0', '1', '-1', '+1', '01', '1_000', '1-2', '1--2', '1-2-3', '1-2-3-4', '2001-12-14', '12-1',
  '1.5', '-1.5', '.5', '5.', '1.2.3', '1e5', '1E5', '1e-5', '-1e-5', '1e5e5', '1.0e5', '1.0e+5',
  '1.e', 'e', 'E', 'e5', 'e.5', '1e.5', '-1.5-', '1.5--', '1-.5-', '1--.5--',
  '0b1', '0b', '0b12', '-0b1', '0B1', 'b0', '0bx', '0x1f', '0x', '0xg', '-0x1', '0X1', '0x1-', '0x-1-', 'x0',
  '0o17', '0o', '1:2', 'a:b', 'a#', '#a', 'a,b', '[a]', '{a}', 'a=b', 'a?', '?', '!a', '&a', '*a', '%a', '@a',
  'é', 'ü', '日本', '😀', 'a\nb', 'a\tb', '"a"', "'a'", 'a\\b',
];
{
  unquoted: std.manifestYamlDoc({ [k]: 1 for k in keys }, quote_keys=false),
  quoted: std.manifestYamlDoc({ [k]: 1 for k in keys }),
  nested: std.manifestYamlDoc({ 'a b': { 'true': [{ '1': 'x', ok: 'y' }] } }, quote_keys=false),
}
