std.parseHex("G")
