// issue 13 (fuzz): `==` of two arrays walks 10^15 elements without checking the interrupt.
std.range(1, 1e15) == std.range(1, 1e15)
