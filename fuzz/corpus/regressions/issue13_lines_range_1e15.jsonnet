// issue 13 (fuzz): `std.lines` sized its list of parts from a view of 10^15 elements
// before reading any; the reference's type error comes first.
// expect: error RUNTIME ERROR: expected string but arr[0] was number
std.lines(std.range(1, 1e15))
