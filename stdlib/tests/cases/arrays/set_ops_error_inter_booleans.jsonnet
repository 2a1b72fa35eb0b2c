std.setInter([true], [false])
