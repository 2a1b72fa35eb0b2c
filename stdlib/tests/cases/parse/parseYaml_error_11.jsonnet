std.parseYaml("a: 'x")
