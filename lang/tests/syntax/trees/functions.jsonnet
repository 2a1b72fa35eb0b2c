function(a, b=1, c=function(x) x,) a + b
