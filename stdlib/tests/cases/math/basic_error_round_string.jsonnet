std.round("a")
