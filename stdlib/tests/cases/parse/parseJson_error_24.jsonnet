std.parseJson("true false")
