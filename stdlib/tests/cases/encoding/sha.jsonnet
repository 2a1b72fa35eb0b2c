// kcfg-divergence: C++ jsonnet 0.22 has no std.sha1/sha256/sha512/sha3 (they raise
// "This function is only supported in go version of jsonnet"); kcfg provides them
// as go-jsonnet does. The golden holds go-jsonnet 0.22's output.
{
  sha1: [std.sha1(''), std.sha1('abc'), std.sha1('é😀')],
  sha256: [std.sha256(''), std.sha256('abc'), std.sha256('é😀')],
  sha512: [std.sha512(''), std.sha512('abc')],
  sha3: [std.sha3(''), std.sha3('abc'), std.sha3('é😀')],
}
