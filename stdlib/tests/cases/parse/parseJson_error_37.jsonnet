std.parseJson("  \n  \n  x")
