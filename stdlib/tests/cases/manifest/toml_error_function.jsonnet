std.manifestToml({ a: { b: [function(x) x] } })
