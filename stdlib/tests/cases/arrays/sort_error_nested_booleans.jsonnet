std.sort([[true], [false]])
