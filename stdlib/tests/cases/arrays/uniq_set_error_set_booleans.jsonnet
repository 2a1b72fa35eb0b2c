std.set([true, false])
