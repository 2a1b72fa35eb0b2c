std.all("abc")
