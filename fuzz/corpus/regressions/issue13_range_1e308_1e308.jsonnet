// issue 13 took `std.range(1e308, 1e308)` = [-9223372036854775808] for a
// bug, expecting an error from C++ jsonnet; it is the reference's answer.
// C++ jsonnet 0.22 truncates both bounds to C's `long` (beyond 2^63:
// -2^63) and computes the length in wrapping `long` arithmetic, which gives
// this answer (recorded with the `jsonnet` Python module); so does kcfg.
// expect: ok
// stdout: [-9223372036854775808]
std.range(1e308, 1e308)
