std.base64DecodeBytes("A!==")
