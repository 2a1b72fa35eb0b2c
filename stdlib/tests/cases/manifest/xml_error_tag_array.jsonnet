std.manifestXmlJsonml([['a', null]])
