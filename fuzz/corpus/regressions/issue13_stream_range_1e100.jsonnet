// issue 13 (fuzz): `kcfg eval -y` of a range beyond 2^63 panicked
// ("capacity overflow" in lang/src/manifest/mod.rs stream).
// args: -y
// mode: stream
// expect: error RUNTIME ERROR:
std.range(-1e100, 4294967295)
