// issue 13 (fuzz): the `-y` stream writer writes 10^15 documents without checking the interrupt.
// mode: stream
std.range(1, 1e15)
