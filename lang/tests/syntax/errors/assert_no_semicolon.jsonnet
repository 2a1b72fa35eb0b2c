assert true : "m" 1
