std.remove([1, error "all compared"], 1)
