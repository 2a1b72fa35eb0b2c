std.isDecimal("1")
