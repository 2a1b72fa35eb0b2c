// issue 13 (fuzz): an object comprehension over a 1e9-character
// `std.repeat` panicked in bumpalo ("out of memory" in Ctx::str).
// expect: error RUNTIME ERROR:
{[x]: 1 for x in std.repeat(",", 1e9)}
