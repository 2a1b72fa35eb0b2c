std.parseJson("1.e5")
