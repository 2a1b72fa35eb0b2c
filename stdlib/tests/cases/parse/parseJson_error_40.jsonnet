std.parseJson("{} {}")
