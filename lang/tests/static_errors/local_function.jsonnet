local f = function(x, x) 1; f
