std.splitLimitR(1, ",", 1)
