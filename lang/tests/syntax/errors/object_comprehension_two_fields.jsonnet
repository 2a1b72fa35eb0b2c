{ [a]: 1, [b]: 2 for a in [] }
