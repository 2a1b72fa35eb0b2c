// kcfg-divergence: C++ jsonnet 0.22 does not resolve aliases (it yields the
// strings "*x" and "*m"); kcfg resolves them to the anchored values, as YAML
// and go-jsonnet do.
std.parseYaml(|||
  a: &x 1
  b: *x
  m: &m {k: [1, 2]}
  n: *m
  l:
  - *x
  - *m
|||)
