std.parseJson("[1, x]")
