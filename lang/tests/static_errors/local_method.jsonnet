local a = 1, f(x, x) = 1; 1
