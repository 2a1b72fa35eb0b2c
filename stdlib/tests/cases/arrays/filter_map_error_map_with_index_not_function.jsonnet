std.mapWithIndex(null, [])
