// issue 13 (fuzz): `std.find` walks 1e15 elements without checking the interrupt.
std.find(-1, std.range(1, 1e15))
