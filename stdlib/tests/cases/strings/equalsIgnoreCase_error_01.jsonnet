std.equalsIgnoreCase(1, "abc")
