std.parseYaml("a: b:")
