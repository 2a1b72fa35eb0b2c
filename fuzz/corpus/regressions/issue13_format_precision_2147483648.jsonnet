// issue 13 (fuzz): a `%` precision of 2^31 aborted the process ("memory
// allocation … failed" in format.rs pad_zeros) under ulimit -v.
// expect: error RUNTIME ERROR:
"%.2147483648d" % [1]
