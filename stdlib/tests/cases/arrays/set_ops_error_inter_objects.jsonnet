std.setInter([{a: 1}], [{}])
