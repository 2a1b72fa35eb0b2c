// issue 13 (fuzz): flattening a 2^44-byte rope (43 doublings) panicked in
// bumpalo ("encountered allocation error", eval/string.rs flat).
// expect: error RUNTIME ERROR:
local d(s, n) = if n == 0 then s else d(s + s, n - 1);
d("ab", 43)
