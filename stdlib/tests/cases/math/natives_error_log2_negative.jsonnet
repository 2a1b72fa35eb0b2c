std.log2(-2)
