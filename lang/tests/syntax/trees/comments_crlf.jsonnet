// one
1 # two
