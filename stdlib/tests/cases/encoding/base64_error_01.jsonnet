std.base64("Ā")
