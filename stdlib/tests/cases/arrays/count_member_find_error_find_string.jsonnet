std.find("a", "abc")
