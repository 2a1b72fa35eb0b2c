// issue 13 (fuzz): `std.setUnion` with a view of 10^15 elements copied the view
// infallibly.
// expect: error RUNTIME ERROR: out of memory
std.setUnion([1], std.range(1, 1e15))
