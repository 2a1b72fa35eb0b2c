std.decodeUTF8([256])
