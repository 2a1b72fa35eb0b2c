{ local x = 1 for a in [] }
