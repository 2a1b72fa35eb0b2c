// std.manifestYamlDoc: strings are JSON strings, except the empty string
// and strings ending in a newline, which become literal blocks.
local strings = [
  '', ' ', 'plain', 'true', 'null', '~', '123', '1.5', '-', '- x', ': x', '#x', 'a: b', 'a #b',
  ' lead', 'trail ', '\n', '\n\n', 'a\n', 'a\nb', 'a\nb\n', 'a\n\nb\n', 'a\n\n', ' lead\n  indented\n',
  '\ttab\n', 'quote "q"\n', 'back\\slash\n', 'é\n日本\n', '😀', 'multi\nline\nno trailing',
  '\r\n', 'cr\rlf\n', '\u0001\n', '|\n', '>', "'single'", '"double"', '{a: 1}', '[1]', '@x', '`x', '%x',
];
local words(n) = if n == 0 then '' else words(n - 1) + 'word%d ' % n;
{
  top: [std.manifestYamlDoc(s) for s in strings],
  in_array: std.manifestYamlDoc(strings),
  in_object: std.manifestYamlDoc({ ['k%02d' % i]: strings[i] for i in std.makeArray(std.length(strings), function(i) i) }),
  nested: std.manifestYamlDoc({ a: { b: ['x\ny\n', { c: 'z\n' }] }, d: [['w\n']] }),
  nested_indented: std.manifestYamlDoc({ a: ['x\ny\n', ['u\n']] }, indent_array_in_object=true),
  long: std.manifestYamlDoc(words(500)),
  long_block: std.manifestYamlDoc({ a: [words(300) + '\n' + words(200) + '\n'] }),
}
