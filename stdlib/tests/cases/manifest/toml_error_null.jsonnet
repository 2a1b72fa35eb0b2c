std.manifestTomlEx({ a: 1, b: [1, [2, null]] }, '  ')
