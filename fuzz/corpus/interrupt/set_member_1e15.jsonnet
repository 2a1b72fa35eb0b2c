// issue 13 (fuzz): `std.setMember` walks 10^15 elements without checking the interrupt.
std.setMember(1e16, std.range(1, 1e15))
