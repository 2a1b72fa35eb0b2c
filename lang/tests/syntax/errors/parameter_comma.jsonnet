function(a b) a
