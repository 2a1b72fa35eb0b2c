std.manifestXmlJsonml(['a', 'x', { b: 1 }])
