// issue 13 (fuzz): `std.uniq` of a range beyond 2^63 panicked ("capacity
// overflow" in stdlib/src/arrays/sort.rs uniq).
// expect: error RUNTIME ERROR:
std.uniq(std.range(1e308, 55296))
