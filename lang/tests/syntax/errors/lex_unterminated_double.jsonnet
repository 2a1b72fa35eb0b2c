{ a: "abc }
