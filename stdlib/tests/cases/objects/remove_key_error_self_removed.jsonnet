std.objectRemoveKey({a: 1, b: self.a}, "a")
