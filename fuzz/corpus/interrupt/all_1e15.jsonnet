// issue 13 (fuzz): `std.all` walks 10^15 elements without checking the interrupt.
std.all(std.repeat([true], 1e15))
