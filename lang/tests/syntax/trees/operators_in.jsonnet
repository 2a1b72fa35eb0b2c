[a in b, a in b + c, a == b in c]
