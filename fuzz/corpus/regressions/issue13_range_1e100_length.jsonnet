// issue 13: `std.length(std.range(1e100, -1))` was 9223372036854775808.
// Bounds beyond 2^63 are a clean error, as in C++ jsonnet.
// expect: error RUNTIME ERROR:
std.length(std.range(1e100, -1))
