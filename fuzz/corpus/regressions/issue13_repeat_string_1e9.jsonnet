// issue 13 (fuzz): a 2 GB `std.repeat` string panicked in bumpalo ("out of
// memory" in Ctx::str) under ulimit -v; printing it cannot succeed there.
// expect: error RUNTIME ERROR:
std.repeat("ab", 1e9)
