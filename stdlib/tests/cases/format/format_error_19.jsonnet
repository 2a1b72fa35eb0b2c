"%s %s" % "ab"
