// issue 13 (fuzz): the Kubernetes YAML writer writes 1e15 elements without checking the interrupt.
// mode: yaml
std.range(1, 1e15)
