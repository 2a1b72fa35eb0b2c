// issue 13 (fuzz): `std.lstripChars` searches 1e15 characters without checking the interrupt.
std.lstripChars("a", std.range(1, 1e15))
