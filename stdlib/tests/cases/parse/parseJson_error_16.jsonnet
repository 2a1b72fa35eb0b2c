std.parseJson("[1,]")
