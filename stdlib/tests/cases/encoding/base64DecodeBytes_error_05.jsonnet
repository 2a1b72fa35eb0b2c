std.base64DecodeBytes(1)
