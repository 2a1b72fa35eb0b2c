// kcfg-divergence: C++ jsonnet 0.22 has no std.sha256; kcfg reports a wrong argument
// type with the reference's wording for its other hash, std.md5.
std.sha256(1)
