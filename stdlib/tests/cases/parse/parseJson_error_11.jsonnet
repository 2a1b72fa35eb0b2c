std.parseJson("1e+")
