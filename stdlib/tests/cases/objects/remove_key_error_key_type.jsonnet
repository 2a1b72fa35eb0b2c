std.objectRemoveKey({a: 1}, 1)
