// issue 13 (fuzz): `std.sum` walks 10^15 elements without checking the interrupt.
std.sum(std.range(1, 1e15))
