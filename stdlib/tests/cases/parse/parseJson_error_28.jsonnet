std.parseJson("\"\\ud83d\"")
