std.trace("a")
