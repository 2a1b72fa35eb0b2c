std.parseJson("\"abc")
