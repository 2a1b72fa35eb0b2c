std.manifestXmlJsonml([1])
