{ local l = 1, [k]: v + l, for k in ks if k != "a" for v in vs if v }
