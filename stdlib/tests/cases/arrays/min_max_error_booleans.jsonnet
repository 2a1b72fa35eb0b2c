std.maxArray([true, false])
