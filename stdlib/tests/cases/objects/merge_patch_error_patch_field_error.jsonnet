std.mergePatch({}, {a: error "patch values are read"})
