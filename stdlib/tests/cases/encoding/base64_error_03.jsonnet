std.base64(["a"])
