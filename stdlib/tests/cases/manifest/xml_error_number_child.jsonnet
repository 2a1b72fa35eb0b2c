std.manifestXmlJsonml(['a', 'x', 1])
