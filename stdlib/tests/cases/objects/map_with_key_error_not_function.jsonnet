std.mapWithKey(1, {})
