"%d" % [true]
