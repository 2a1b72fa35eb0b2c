// kcfg-divergence: rapidyaml (in the reference) accepts a block sequence on the
// line of its key (`a: - 1` as {a: [1]}), which YAML does not allow; kcfg's YAML
// parser rejects it.
std.parseYaml('a: - 1')
