std.get({a: error "field"}, "a")
