// A field far wider than anything can hold (issue 13).
"%99999999999999999999d" % [1]
