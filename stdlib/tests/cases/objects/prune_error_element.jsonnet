std.prune([error "forced"])
