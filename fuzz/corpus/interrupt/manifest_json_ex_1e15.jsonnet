// issue 13 (fuzz): `std.manifestJsonEx` writes 1e15 elements without checking the interrupt.
std.manifestJsonEx(std.range(1, 1e15), "  ")
