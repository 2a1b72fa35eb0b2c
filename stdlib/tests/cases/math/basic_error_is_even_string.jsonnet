std.isEven("a")
