"%c" % [true]
