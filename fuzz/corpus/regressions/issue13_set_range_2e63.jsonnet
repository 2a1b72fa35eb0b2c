// issue 13 (fuzz): `std.set` of a range from 2^63 panicked ("capacity
// overflow" in stdlib/src/arrays/sort.rs set).
// expect: error RUNTIME ERROR:
std.set(std.range(9223372036854775808, 0))
