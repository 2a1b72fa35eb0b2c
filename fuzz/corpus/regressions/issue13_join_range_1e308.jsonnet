// issue 13 (fuzz): `std.join` over a range with a bound beyond 2^63
// panicked ("capacity overflow" in stdlib/src/strings.rs join_strings).
// expect: error RUNTIME ERROR:
std.join("ab", std.range(1e308, 11))
