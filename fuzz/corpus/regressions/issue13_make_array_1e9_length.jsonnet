// issue 13 (fuzz): `std.makeArray(1e9, …)` panicked in bumpalo ("out of
// memory") under ulimit -v. A length or a clean error are both fine.
// expect: any
std.length(std.makeArray(1e9, function(i) i))
