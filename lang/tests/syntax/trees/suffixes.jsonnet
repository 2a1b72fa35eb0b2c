a.b[c](d)(e=1){f: 1}.g
