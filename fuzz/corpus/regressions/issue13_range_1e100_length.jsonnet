// issue 13: `std.length(std.range(1e100, -1))` was 9223372036854775808
// (the length overflowed).
// C++ jsonnet 0.22 truncates both bounds to C's `long` (beyond 2^63:
// -2^63) and computes the length in wrapping `long` arithmetic, which gives
// this answer (recorded with the `jsonnet` Python module); so does kcfg.
// expect: ok
// stdout: 0
std.length(std.range(1e100, -1))
