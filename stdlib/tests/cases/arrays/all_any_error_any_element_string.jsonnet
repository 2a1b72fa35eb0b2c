std.any([false, "yes"])
