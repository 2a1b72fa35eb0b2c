std.parseJson("[\n1,\n2,\nx]")
