// kcfg-divergence: recorded from kcfg, not the reference. C++ jsonnet's
// TOML writer (Jsonnet code in its std.jsonnet) takes time exponential in
// the nesting depth (20 levels take 10 s), so it cannot reach its stack
// limit here in reasonable time; kcfg fails as the JSON and YAML writers
// of both implementations do.
local nest(n) = if n == 0 then {} else { a: nest(n - 1) };
std.manifestToml(nest(1000))
