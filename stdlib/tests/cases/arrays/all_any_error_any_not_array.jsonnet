std.any({})
