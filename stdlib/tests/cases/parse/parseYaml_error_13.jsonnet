std.parseYaml("a: 1\n b: 2")
