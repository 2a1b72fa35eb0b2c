std.parseJson("01")
