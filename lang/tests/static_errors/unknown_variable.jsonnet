function(x) y
