// issue 13 (fuzz): `std.set` of a range from 2^63 panicked ("capacity
// overflow" in stdlib/src/arrays/sort.rs set).
// C++ jsonnet 0.22 truncates both bounds to C's `long` (beyond 2^63:
// -2^63) and computes the length in wrapping `long` arithmetic, which gives
// this answer (recorded with the `jsonnet` Python module); so does kcfg.
// expect: ok
// stdout: []
std.set(std.range(9223372036854775808, 0))
