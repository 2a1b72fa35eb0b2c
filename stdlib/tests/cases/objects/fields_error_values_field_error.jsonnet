std.objectValues({a: error "field"})[0]
