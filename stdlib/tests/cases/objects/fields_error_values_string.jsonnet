std.objectValues("a")
