// issue 13 (fuzz): a string slice of 10^9 steps without checking the interrupt.
std.length(std.repeat("a", 1000)[::1e-6])
