// issue 13 (fuzz): `std.remove` walks 1e15 elements without checking the interrupt.
std.remove(std.range(1, 1e15), -1)
