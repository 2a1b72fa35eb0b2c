[-1, +x, !y, ~z, - -1, -x.y, -f(1), -a * b, !a in super]
