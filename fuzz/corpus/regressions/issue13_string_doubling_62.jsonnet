// issue 13 (fuzz): flattening a 2^63-byte rope (62 doublings) panicked in
// bumpalo ("LayoutError", eval/string.rs flat).
// expect: error RUNTIME ERROR:
local d(s, n) = if n == 0 then s else d(s + s, n - 1);
d("ab", 62)
