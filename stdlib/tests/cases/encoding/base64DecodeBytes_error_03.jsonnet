std.base64DecodeBytes("====")
