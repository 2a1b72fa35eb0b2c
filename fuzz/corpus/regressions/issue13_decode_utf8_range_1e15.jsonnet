// issue 13 (fuzz): `std.decodeUTF8` sized its buffer from a view of 10^15 elements
// before reading any; the reference's error for element 256 comes first.
// expect: error RUNTIME ERROR: Element 256 of the provided array was not an integer in range [0,255]
std.decodeUTF8(std.range(0, 1e15))
