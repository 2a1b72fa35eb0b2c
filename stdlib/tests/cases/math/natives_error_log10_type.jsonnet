std.log10("a")
