function(x, x) 1
