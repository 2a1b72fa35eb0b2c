// issue 13 (fuzz): a slice step too small to move past a large index (2^-28 at
// 2^26 - 1) looped for ever, appending the same character (C++ jsonnet
// loops too); a step that cannot advance is a clean error.
// expect: error RUNTIME ERROR: slice step
std.repeat("a", 67108864)[67108863::3.725290298461914e-09]
