local a = 1, b(x, y=2) = x + y, c = function(z) z;
local d = a;
b(c(d))
