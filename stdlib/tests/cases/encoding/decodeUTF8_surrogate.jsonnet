// kcfg-divergence: the reference decodes ED A0 80 to the lone surrogate U+D800,
// which is not text; kcfg gives U+FFFD.
std.decodeUTF8([237, 160, 128])
