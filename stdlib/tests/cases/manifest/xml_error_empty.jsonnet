std.manifestXmlJsonml(['a', []])
