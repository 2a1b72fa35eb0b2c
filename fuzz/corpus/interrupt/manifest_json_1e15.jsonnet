// issue 13 (fuzz): the JSON writer writes 1e15 elements without checking the interrupt.
std.range(1, 1e15)
