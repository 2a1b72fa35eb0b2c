[f(), f(1), f(1,), f(1, 2), f(x=1), f(1, x=2,), f(x=1, y=2), f(a == b), f(1) tailstrict, f(x) /* c */ tailstrict.y]
