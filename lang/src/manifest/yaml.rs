//! YAML output for Kubernetes manifests (used by `kcfg render`).
