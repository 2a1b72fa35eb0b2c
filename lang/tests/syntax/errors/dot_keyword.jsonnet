x.local
