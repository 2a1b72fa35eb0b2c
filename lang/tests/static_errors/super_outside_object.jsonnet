local f(x) = super.a; 1
