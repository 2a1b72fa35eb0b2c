std.manifestJsonEx({ a: 1 }, ' ', error 'bad newline')
