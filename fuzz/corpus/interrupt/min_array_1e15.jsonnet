// issue 13 (fuzz): `std.minArray` walks 10^15 elements without checking the interrupt.
std.minArray(std.range(1, 1e15))
