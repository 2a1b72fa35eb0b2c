std.parseJson("nul")
