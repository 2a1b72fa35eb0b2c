std.parseJson(" ")
