// issue 13 (fuzz): `std.uniq` of a range beyond 2^63 panicked ("capacity
// overflow" in stdlib/src/arrays/sort.rs uniq).
// C++ jsonnet 0.22 truncates both bounds to C's `long` (beyond 2^63:
// -2^63) and computes the length in wrapping `long` arithmetic, which gives
// this answer (recorded with the `jsonnet` Python module); so does kcfg.
// expect: ok
// stdout: []
std.uniq(std.range(1e308, 55296))
