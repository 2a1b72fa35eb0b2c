// issue 13 (fuzz): `std.prune` walks 1e15 elements without checking the interrupt.
std.prune(std.range(1, 1e15))
