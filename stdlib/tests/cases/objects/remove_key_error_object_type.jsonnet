std.objectRemoveKey([], "a")
