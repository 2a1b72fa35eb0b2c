std.parseJson("tru")
