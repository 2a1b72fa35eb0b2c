std.findSubstr("a", 1)
