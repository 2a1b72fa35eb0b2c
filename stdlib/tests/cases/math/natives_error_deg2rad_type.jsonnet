std.deg2rad("a")
