std.parseJson("[-]")
