std.parseJson("")
