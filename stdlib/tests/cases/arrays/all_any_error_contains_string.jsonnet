std.contains("abc", "a")
