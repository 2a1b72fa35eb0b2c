std.objectHasEx(1, "a", true)
