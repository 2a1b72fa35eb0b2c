std.encodeUTF8(1)
