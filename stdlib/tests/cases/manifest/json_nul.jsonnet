// kcfg-divergence: C++ jsonnet 0.22 fails on a NUL character in a string it
// manifests through std.jsonnet ("codepoint takes a string of length 1, got
// length 0": its std.stringChars turns U+0000 into an empty string); kcfg
// escapes it as \u0000, as go-jsonnet and the reference's own output do.
{
  json: std.manifestJsonEx(['a\u0000b'], ' '),
  yaml: std.manifestYamlDoc({ k: '\u0000' }),
  toml: std.manifestToml({ k: '\u0000' }),
  python: std.manifestPython('\u0000'),
}
