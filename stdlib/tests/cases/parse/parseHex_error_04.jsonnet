std.parseHex(1)
