std.splitLimit("a,b,c", ",", "1")
