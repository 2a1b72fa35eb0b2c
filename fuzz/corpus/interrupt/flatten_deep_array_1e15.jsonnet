// issue 13 (fuzz): `std.flattenDeepArray` walks 1e15 elements without checking the interrupt.
std.flattenDeepArray(std.range(1, 1e15))
