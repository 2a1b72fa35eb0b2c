// issue 13 (fuzz): `std.lines` over a 2.7e8-element slice aborted the
// process ("memory allocation … failed" in join_strings) under ulimit -v.
// expect: error RUNTIME ERROR:
std.length(std.lines(std.range(-2147483649, 9)[9:1e15:8]))
