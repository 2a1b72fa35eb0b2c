// issue 13 (fuzz): a comprehension over 1e9 elements aborted the process
// ("memory allocation … failed") under ulimit -v.
// expect: any
std.length([x for x in std.range(1, 1e9)])
