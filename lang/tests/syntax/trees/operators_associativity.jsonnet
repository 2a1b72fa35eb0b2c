a - b - c + d
