[1 2]
"unterminated
