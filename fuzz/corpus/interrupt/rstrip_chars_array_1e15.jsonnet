// issue 13 (fuzz): `std.rstripChars` of an array walks 10^15 elements without checking the interrupt.
std.rstripChars(std.repeat([1], 1e15), [1])
