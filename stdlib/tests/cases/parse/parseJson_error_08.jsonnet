std.parseJson("1.")
