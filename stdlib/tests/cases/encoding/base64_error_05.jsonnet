std.base64({})
