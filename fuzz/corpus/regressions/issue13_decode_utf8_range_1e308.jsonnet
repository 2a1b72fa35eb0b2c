// issue 13: `std.range` with a bound beyond 2^63 made a range whose length
// overflowed, and `std.decodeUTF8` panicked sizing its buffer from it. C++
// jsonnet reports out-of-range bounds as an error.
// expect: error RUNTIME ERROR:
std.decodeUTF8(std.range(1e308, 0))
