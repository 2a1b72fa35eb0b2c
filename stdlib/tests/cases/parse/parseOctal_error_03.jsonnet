std.parseOctal("-1")
