std.manifestJsonEx({ a: 1 })
