// issue 13 (fuzz): `std.foldl` with a builtin (which enters no frame) walks 10^15 elements without checking the interrupt.
std.foldl(std.max, std.range(1, 1e15), 0)
