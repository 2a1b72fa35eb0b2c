std.manifestToml('text')
