{ a: 1, local f(x, x) = 1 + 1, b: 2 }
