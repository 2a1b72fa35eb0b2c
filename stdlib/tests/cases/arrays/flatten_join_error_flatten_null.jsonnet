std.flattenArrays([[1], null])
