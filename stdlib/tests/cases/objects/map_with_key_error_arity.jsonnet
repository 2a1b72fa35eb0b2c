std.mapWithKey(function(k) k, {a: 1})
