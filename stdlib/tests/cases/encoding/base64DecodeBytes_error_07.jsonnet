std.base64DecodeBytes("=AQI")
