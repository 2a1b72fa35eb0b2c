std.manifestYamlDoc({ a: 1 }, quote_keys='yes')
