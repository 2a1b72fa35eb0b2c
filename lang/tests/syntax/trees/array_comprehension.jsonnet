[[x, y] for x in xs if x > 1 for y in ys]
