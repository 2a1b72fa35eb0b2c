std.manifestYamlDoc({ a: [{ b: 1 }, { 'c d': [function() 1] }] })
