std.mantissa(null)
