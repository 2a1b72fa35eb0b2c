// kcfg-divergence: the reference makes a string holding the lone surrogate
// U+D800, which is not text (its output is invalid UTF-8); kcfg gives U+FFFD.
[std.char(55296), std.char(57343), std.length(std.char(55296))]
