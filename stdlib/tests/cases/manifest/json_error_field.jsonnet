std.manifestJsonMinified({ a: 1, b: error 'field b fails', c: error 'field c fails' })
