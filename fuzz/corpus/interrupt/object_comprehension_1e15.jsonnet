// issue 13 (fuzz): an object comprehension over 1e15 elements does not check the interrupt.
{[std.toString(x)]: 1 for x in std.range(1, 1e15)}
