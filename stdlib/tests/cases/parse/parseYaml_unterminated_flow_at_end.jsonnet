// kcfg-divergence: for `[` at the very end the reference says "missing
// terminating ]" at the end of the line; kcfg's YAML parser only sees a missing
// node and reports a parse error.
std.parseYaml('key: [')
