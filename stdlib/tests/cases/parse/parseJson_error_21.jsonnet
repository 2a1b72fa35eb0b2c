std.parseJson("{\"a\": 1 \"b\": 2}")
