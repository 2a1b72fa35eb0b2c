// std.manifestPython and std.manifestPythonVars.
local value = {
  a: [1, true, false, null, 'x\u0001"é', -0.5, 1e20],
  b: {},
  c: [],
  d: { e: [[{}]], f: 'g\n' },
  h:: 'hidden',
  'key "q"': 1,
};
{
  python: std.manifestPython(value),
  scalars: [std.manifestPython(x) for x in [null, true, false, 0, 0.1, 'x', '', [], {}]],
  vars: std.manifestPythonVars(value),
  vars_empty: std.manifestPythonVars({}),
  vars_scalars: std.manifestPythonVars({ a: 1, b: 'x', c: null, d: [true], 'not an identifier': {} }),
}
