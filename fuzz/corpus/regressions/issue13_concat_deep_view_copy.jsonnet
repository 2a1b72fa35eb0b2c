// issue 13 (fuzz): `+` of arrays copies a chain of views once it is 24 deep; the copy of
// a view of 10^14 elements was sized from it and made infallibly.
// expect: error RUNTIME ERROR: out of memory
std.length(std.foldl(function(acc, x) acc + [x], std.range(1, 30), std.range(1, 1e14)))
