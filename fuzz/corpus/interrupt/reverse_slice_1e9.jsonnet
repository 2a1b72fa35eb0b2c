// issue 13 (fuzz): reversing and slicing 2e9 elements does not check the interrupt.
std.reverse(std.range(-2147483649, 1114112))[1000:4294967296:]
