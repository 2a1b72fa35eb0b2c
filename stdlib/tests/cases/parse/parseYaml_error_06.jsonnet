std.parseYaml("a:\n  b: c: d")
