// issue 13 (fuzz): `std.decodeUTF8` walks 10^15 elements without checking the interrupt.
std.decodeUTF8(std.repeat([65], 1e15))
