// issue 13 (fuzz): `kcfg eval -y` of a range beyond 2^63 panicked
// ("capacity overflow" in lang/src/manifest/mod.rs stream).
// C++ jsonnet 0.22 truncates both bounds to C's `long` (beyond 2^63:
// -2^63) and computes the length in wrapping `long` arithmetic, which gives
// this answer (recorded with the `jsonnet` Python module); so does kcfg.
// args: -y
// mode: stream
// expect: ok
// stdout: 
std.range(-1e100, 4294967295)
