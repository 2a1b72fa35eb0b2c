{ [k](x, x): 1 for k in [] }
