Jsonnet commandline interpreter (kcfg 0.1.0, compatible with v0.22.0)
