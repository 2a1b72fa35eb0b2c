std.manifestIni({ sections: { a: 'b' } })
