std.equals(1)
