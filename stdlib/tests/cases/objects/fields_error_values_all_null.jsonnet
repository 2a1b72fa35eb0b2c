std.objectValuesAll(null)
