std.parseHex("é")
