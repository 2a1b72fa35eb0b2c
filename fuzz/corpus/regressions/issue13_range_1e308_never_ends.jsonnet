// issue 13: `std.range(1e308, 1)` never ended.
// C++ jsonnet 0.22 truncates both bounds to C's `long` (beyond 2^63:
// -2^63) and computes the length in wrapping `long` arithmetic, which gives
// this answer (recorded with the `jsonnet` Python module); so does kcfg.
// expect: ok
// stdout: []
std.range(1e308, 1)
