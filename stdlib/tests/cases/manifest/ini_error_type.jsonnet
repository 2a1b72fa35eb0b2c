std.manifestIni([])
