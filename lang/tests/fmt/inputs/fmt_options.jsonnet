#!/usr/bin/env jsonnet
# A hash comment.
// A slash comment.
local z = import 'z.libsonnet';  # after z
local a = import "a.libsonnet";
local m = import 'm.libsonnet';



local helper(x, y=2) = x + y;
/* A block
   comment. */
{
  'quoted': "double",
  "it's": 'single "quoted"',
  ['computed']: [1, 2, 3],
  arr: [ 1,
    2, { x: 1 } ],
  nested: { a: { b: { c: [] } } },
  text: |||
      indented
        more
  |||,
  verbatim: @'it''s',
  slice: [1, 2, 3][1:2:],
  field: self['quoted'],
  plus: a + { extra: true },


  call: helper(1,
    y=3),  // trailing
  fn(x):: x * 2,
  cond: if z.enabled then 'yes' else 'no',
}
