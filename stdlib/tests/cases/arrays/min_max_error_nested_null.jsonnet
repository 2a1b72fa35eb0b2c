std.maxArray([[1, null], [1, null]])
