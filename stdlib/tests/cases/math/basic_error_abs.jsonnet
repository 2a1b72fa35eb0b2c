std.abs("a")
