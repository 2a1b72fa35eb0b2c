f(1) tailstrict tailstrict
