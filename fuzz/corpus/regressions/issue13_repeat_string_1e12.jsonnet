// issue 13 (fuzz): `std.repeat("ab", 1e12)` aborted the process ("memory
// allocation … failed" in stdlib/src/arrays.rs repeat).
// expect: error RUNTIME ERROR:
std.repeat("ab", 1e12)
