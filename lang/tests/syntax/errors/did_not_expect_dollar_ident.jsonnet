{ a: $foo }
