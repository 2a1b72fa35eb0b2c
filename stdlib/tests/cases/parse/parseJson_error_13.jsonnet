std.parseJson("+1")
