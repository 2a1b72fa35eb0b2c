std.deg2rad(1e308 * 1.5)
