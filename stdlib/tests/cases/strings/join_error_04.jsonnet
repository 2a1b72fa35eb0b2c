std.join(",", "ab")
