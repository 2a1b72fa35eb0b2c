std.parseYaml("- a\nb: c")
