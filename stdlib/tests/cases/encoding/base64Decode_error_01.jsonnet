std.base64Decode(1)
