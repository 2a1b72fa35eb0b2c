// A field far wider than anything can hold (issue 13).
"%*s" % [1e300, "x"]
