// issue 13 (fuzz): `std.set` of a view of 10^15 elements sized its working set from the
// view; it is checked first and allocated fallibly.
// expect: error RUNTIME ERROR: out of memory
std.set(std.range(1, 1e15))
