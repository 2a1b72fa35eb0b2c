std.rad2deg(null)
