std.primitiveEquals({}, {})
