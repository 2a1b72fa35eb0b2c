std.parseYaml("xx: yyy: z")
