std.base64DecodeBytes("AQ")
