std.parseOctal(1)
