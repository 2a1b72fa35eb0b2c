std.sort([[null], [null]])
