std.minArray([true])
