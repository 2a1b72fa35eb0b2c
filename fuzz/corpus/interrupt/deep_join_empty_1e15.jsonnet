// issue 13 (fuzz): `std.deepJoin` of empty strings (its output never grows) walks 10^15 elements without checking the interrupt.
std.deepJoin(std.repeat([""], 1e15))
