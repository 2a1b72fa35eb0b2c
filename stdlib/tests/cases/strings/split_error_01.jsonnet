std.split("abc", "")
