std.base64DecodeBytes([1,2,3,4])
