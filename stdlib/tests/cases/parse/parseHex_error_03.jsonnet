std.parseHex("0x1")
