std.parseYaml("a: \"x")
