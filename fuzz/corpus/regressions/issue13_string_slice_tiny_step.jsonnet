// issue 13 (fuzz): slicing with a step that rounds down to 0 looped for ever
// (lang/src/eval/ops.rs slice); C++ jsonnet loops too. A step that cannot
// advance is a clean error.
// expect: error RUNTIME ERROR:
("c")[::5e-324]
