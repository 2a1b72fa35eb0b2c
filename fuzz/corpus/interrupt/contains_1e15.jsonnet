// issue 13 (fuzz): `std.contains` walks 1e15 elements without checking the interrupt.
std.contains(std.range(1, 1e15), -1)
