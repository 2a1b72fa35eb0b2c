// issue 13 (fuzz): `std.manifestYamlDoc` writes 1e15 elements without checking the interrupt.
std.manifestYamlDoc(std.range(1, 1e15))
