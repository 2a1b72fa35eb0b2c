// issue 13: `std.makeArray(1e12, …)` panicked in bumpalo ("out of memory",
// exit 101). A size no array can have is a clean error, never an abort.
// expect: error RUNTIME ERROR:
std.makeArray(1e12, function(i) i)
