std.exponent("8")
