std.reverse(1)
