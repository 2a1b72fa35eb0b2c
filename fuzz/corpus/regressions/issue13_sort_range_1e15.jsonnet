// issue 13 (fuzz): `std.sort` of a view of 10^15 elements sized its working set from the
// view ("capacity overflow" or an abort); it is checked first and allocated fallibly.
// expect: error RUNTIME ERROR: out of memory
std.sort(std.range(1, 1e15))
