// issue 13 (fuzz): `std.base64Decode` of a 10^9-character string sized its
// buffers from it infallibly (bumpalo "out of memory" in base64_decode_raw
// under ulimit -v); they are checked and allocated fallibly.
// expect: error RUNTIME ERROR: out of memory
std.base64Decode(std.repeat("b", 1e9))
