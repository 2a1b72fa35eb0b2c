std.floor("1")
