// issue 13 (fuzz): `std.repeat` of a one-character string appended it a
// billion times, longer than a budget allows between two looks at the
// interrupt; it now fills its buffer by doubling copies.
// expect: ok
// timeout: 60
// stdout: 100000000
std.length(std.repeat("a", 1e8))
