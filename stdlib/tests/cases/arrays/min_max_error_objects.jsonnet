std.minArray([{}, {}])
