"%s" % [1, error "x"]
