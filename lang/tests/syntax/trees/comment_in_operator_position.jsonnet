a +// c
b - /* d */ c
