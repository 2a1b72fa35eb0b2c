std.sort([{}, {}])
