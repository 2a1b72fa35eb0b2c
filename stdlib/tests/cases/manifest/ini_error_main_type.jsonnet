std.manifestIni({ main: 1, sections: {} })
