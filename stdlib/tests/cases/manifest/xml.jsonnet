// std.manifestXmlJsonml: elements, attributes, text; nothing is escaped.
{
  simple: std.manifestXmlJsonml(['a']),
  empty_attrs: std.manifestXmlJsonml(['a', {}]),
  attrs: std.manifestXmlJsonml(['a', { b: 1, c: 'x"<&', d: [1, 'y'], e: { f: null }, g: true, h:: 'hidden' }]),
  children: std.manifestXmlJsonml(['a', 't', ['b'], ['c', ['d', { e: 'f' }, 'text', ['g']]], 'u']),
  text_only: std.manifestXmlJsonml(['p', 'a < b & c', '', 'é 日本']),
  tag_array: std.manifestXmlJsonml([['a', ['b', 'c']], 'x']),
  svg: std.manifestXmlJsonml([
    'svg', { height: 100, width: 100 },
    ['circle', { cx: 50, cy: 50, r: 40, stroke: 'black', 'stroke-width': 3, fill: 'red' }],
  ]),
}
