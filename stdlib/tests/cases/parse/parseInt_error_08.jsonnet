std.parseInt("é")
