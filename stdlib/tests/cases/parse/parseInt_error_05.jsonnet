std.parseInt("+1")
