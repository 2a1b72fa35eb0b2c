// kcfg-divergence: rapidyaml (in the reference) accepts a plain scalar starting
// with the reserved indicator `@`; kcfg's YAML parser rejects it, as YAML says.
std.parseYaml('a: @x')
