"no codes" % [1]
