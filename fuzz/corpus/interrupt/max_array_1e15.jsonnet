// issue 13 (fuzz): `std.maxArray` walks 1e15 elements without checking the interrupt.
std.maxArray(std.range(1, 1e15))
