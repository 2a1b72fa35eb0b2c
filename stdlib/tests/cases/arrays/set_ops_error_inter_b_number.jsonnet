std.setInter([1], 2)
