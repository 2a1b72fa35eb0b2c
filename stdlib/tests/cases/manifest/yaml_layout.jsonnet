// std.manifestYamlDoc: block layout of arrays and objects, empty
// containers, indent_array_in_object.
local value = {
  a: [1, [2, [3, []]], {}, { x: null, y: [] }, [{ p: 1, q: [2, { r: 3 }] }]],
  b: { c: { d: [] }, e:: 'hidden', f: {}, g: { h: [[]] } },
  i: [[[1, 2], [3, 4]]],
  j: [{ k: [1, 2] }, { l: { m: 'n' } }],
  only_hidden: { x:: 1 },
};
{
  doc: std.manifestYamlDoc(value),
  indented: std.manifestYamlDoc(value, indent_array_in_object=true),
  positional: std.manifestYamlDoc(value, true, false),
  unquoted: std.manifestYamlDoc(value, quote_keys=false),
  top_array: std.manifestYamlDoc([{ x: [1, 2, 3] }, [], {}, [[]], 'a']),
  top_empty_array: std.manifestYamlDoc([]),
  top_empty_object: std.manifestYamlDoc({}),
  scalars: [std.manifestYamlDoc(x) for x in [null, true, false, 0, -0.5, 1e20, 'x', '']],
  nested_arrays: std.manifestYamlDoc([[[1, [1], 1]], [[{ f: 3, g: [1, 2] }]]]),
  nested_indented: std.manifestYamlDoc({ x: [[[1, { f: 3, g: [1, 2] }, 1]]], y: { z: [{ w: [1] }] } }, indent_array_in_object=true),
  inherited: std.manifestYamlDoc({ a: 1, b:: 2 } + { b+: 3, c: { d: 4 } }),
}
