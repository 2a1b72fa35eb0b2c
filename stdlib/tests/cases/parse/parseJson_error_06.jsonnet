std.parseJson("-")
