{ local x = 1, a: x, local x = 2 }
