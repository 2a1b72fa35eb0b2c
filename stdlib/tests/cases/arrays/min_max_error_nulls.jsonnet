std.minArray([null, null])
