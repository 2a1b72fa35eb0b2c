// issue 13 (fuzz): `std.sort` of a range beyond 2^63 panicked ("capacity
// overflow" in stdlib/src/arrays/sort.rs).
// expect: error RUNTIME ERROR:
std.sort(std.range(1e20, 1e15))
