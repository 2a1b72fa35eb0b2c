std.objectRemoveKey({assert self.b == 3, a: 1, b: 2}, "a")
