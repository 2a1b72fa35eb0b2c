std.splitLimitR("a", "", 1)
