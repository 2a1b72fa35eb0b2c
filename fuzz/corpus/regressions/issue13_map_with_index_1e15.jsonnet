// issue 13 (fuzz): `std.mapWithIndex` over 1e15 elements panicked in bumpalo
// ("out of memory", stdlib/src/arrays.rs map_with_index).
// expect: any
std.length(std.mapWithIndex(function(i, x) x, std.range(1, 1e15)))
