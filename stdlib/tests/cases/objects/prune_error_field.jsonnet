std.prune({a: error "forced"})
