std.isNull(error "forced")
