std.manifestPython({ a: [function(x) x] })
