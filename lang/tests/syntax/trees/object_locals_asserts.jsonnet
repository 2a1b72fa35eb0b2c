{ local x = 1, assert x > 0, assert x < 2 : "msg", local f(y) = y, a: f(x) }
