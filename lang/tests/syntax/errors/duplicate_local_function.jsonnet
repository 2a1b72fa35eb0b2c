local f(a) = a, f(b) = b; f(1)
