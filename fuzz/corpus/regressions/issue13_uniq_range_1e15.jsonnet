// issue 13 (fuzz): `std.uniq` of a view of 10^15 elements copied the view infallibly.
// expect: error RUNTIME ERROR: out of memory
std.uniq(std.range(1, 1e15))
