std.substr(1, 1, 2)
