std.manifestJson(function(x) x)
