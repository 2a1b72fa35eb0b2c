std.manifestXmlJsonml(['a', { b: function(x) x }])
