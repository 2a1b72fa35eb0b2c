// issue 13: `std.range(1e308, 1)` never ended. Bounds beyond 2^63 are a
// clean error, as in C++ jsonnet.
// expect: error RUNTIME ERROR:
std.range(1e308, 1)
