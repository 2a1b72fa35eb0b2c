std.parseHex("fg")
