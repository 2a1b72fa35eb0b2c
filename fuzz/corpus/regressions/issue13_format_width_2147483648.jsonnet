// issue 13 (fuzz): a `%` width of 2^31 aborted the process ("memory
// allocation of 2147483648 bytes failed" in format.rs pad) under ulimit -v.
// expect: error RUNTIME ERROR:
"%2147483648d" % [1]
