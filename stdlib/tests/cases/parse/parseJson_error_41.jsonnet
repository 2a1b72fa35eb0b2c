std.parseJson("\"a\"  \"b\"")
