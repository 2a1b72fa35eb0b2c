std.isOdd(true)
