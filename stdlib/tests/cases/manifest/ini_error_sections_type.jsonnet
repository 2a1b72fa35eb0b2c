std.manifestIni({ sections: [] })
