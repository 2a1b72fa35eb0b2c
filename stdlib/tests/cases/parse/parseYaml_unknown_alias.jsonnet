// kcfg-divergence: the reference does not resolve aliases and yields the string
// "*x"; kcfg resolves them, so an alias to no anchor is an error.
std.parseYaml('a: *x')
