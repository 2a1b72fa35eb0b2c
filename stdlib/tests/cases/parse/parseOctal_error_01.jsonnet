std.parseOctal("8")
