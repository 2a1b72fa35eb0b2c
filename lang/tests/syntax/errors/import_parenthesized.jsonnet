import ("a.libsonnet")
