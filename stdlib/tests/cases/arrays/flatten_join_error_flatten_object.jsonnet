std.flattenArrays({a: 1})
