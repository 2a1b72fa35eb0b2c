std.parseJson(".5")
