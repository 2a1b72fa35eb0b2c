std.setDiff(1, [])
