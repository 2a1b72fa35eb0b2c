std.sort([1, 2], function(x) error "key " + x)
