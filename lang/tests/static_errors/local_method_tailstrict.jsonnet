local f(x, x) = g(1) tailstrict; 1
