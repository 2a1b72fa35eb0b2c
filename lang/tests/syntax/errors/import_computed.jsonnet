import "a" + ".libsonnet"
