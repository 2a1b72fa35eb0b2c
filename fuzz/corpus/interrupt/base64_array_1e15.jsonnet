// issue 13 (fuzz): `std.base64` of an array walks 10^15 elements without checking the interrupt.
std.base64(std.repeat([65], 1e15))
