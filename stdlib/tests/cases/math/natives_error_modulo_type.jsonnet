std.modulo("a", 1)
