// issue 13 (fuzz): `std.member` walks 10^15 elements without checking the interrupt.
std.member(std.range(1, 1e15), -1)
