std.hypot(1, {})
