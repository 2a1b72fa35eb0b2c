{ local f(x, x) = 1, a: 2 }
