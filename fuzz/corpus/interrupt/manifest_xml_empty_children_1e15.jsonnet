// issue 13 (fuzz): `std.manifestXmlJsonml` of empty children (its output never grows) walks 10^15 elements without checking the interrupt.
std.manifestXmlJsonml(["a"] + std.repeat([""], 1e15))
