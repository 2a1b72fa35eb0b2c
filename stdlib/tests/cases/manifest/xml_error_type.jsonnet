std.manifestXmlJsonml('a')
