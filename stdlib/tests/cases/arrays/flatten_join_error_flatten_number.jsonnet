std.flattenArrays(1)
