// issue 13 (fuzz): a `%` precision beyond any allocation panicked
// ("capacity overflow" in format.rs pad_zeros).
// expect: error RUNTIME ERROR:
"%.99999999999999999999d" % [1]
