// issue 13 (fuzz): `std.setUnion` with a range beyond 2^63 panicked
// ("capacity overflow" in stdlib/src/arrays/sort.rs).
// expect: error RUNTIME ERROR:
std.setUnion([1], std.range(1e100, 1e9))
