std.decodeUTF8([-1])
