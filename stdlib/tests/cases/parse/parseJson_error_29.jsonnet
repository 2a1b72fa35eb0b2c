std.parseJson("\"\\ud83dx\"")
