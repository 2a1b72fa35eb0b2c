// issue 13: `tailstrict` must force default arguments too; C++ and go
// jsonnet report the default's error.
// expect: error RUNTIME ERROR: xxx
local foo(x, y=error "xxx") = x;
foo(42) tailstrict
