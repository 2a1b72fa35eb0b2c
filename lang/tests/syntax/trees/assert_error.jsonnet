assert a; assert b : "m"; if c then error "e" else error { f: 1 }
