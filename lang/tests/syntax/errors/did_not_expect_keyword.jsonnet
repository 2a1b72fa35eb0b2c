true true
