std.parseJson("\"\\u12\"")
