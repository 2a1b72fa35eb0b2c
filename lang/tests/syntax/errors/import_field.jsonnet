importstr "a".b
