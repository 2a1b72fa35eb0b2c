std.parseJson("{\n  \"a\": [\n    1,\n   }")
