// issue 13 (fuzz): `std.count` walks 1e15 elements without checking the interrupt.
std.count(std.range(1, 1e15), 5)
