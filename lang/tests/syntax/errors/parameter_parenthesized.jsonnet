local f((x)) = x; f
