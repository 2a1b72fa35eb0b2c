std.findSubstr(1, "a")
