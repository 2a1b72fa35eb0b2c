// std.manifestIni: main section, named sections, repeated keys, values
// written as std.toString does.
{
  full: std.manifestIni({
    main: { a: 1, b: [1, 'x', [2], { c: 3 }], s: 'str', n: null, t: true, f: 1.5, hidden:: 'no' },
    sections: { s1: { x: 'y', e: [] }, 's 2': {}, 'é': { '日本': '語' }, hidden:: { z: 1 } },
  }),
  no_main: std.manifestIni({ sections: { a: { b: 'c' } } }),
  hidden_main: std.manifestIni({ main:: { a: 1 }, sections: {} }),
  hidden_sections: std.manifestIni({ main: { a: 1 }, sections:: { b: { c: 2 } } }),
  empty: std.manifestIni({ sections: {} }),
  empty_main: std.manifestIni({ main: {}, sections: {} }),
  multiline: std.manifestIni({ main: { a: 'x\ny' }, sections: {} }),
}
