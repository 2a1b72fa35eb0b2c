// issue 13 (fuzz): an array comprehension over 1e15 elements does not check the interrupt.
std.length([x for x in std.range(1, 1e15)])
