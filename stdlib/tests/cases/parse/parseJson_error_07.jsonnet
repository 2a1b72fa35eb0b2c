std.parseJson("-a")
