[import "a.libsonnet", importstr 'b.txt', importbin @"c.bin", import "d\u0041"]
