std.mapWithKey(function(k, v) v, [])
