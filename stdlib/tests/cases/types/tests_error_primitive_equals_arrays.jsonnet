std.primitiveEquals([], [])
