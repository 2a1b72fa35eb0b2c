{ a: "x" in super, b: "y" in super.c, c: 1 + "z" in super }
