std.manifestToml({ a: null })
