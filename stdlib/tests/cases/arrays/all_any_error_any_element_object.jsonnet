std.any([false, {a: [1, "x"]}])
