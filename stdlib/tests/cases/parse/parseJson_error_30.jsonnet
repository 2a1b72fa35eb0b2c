std.parseJson("\"\\ude00\"")
