std.splitLimitR("a", ",", "x")
