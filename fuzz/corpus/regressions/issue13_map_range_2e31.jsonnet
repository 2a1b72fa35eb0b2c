// issue 13 (fuzz): `std.map` over 2^31 elements panicked in bumpalo ("out of
// memory", stdlib/src/arrays.rs map) under ulimit -v.
// expect: any
std.length(std.map(function(x) x, std.range(1, 2147483648)))
