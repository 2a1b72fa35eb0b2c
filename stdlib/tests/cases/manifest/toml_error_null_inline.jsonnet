std.manifestToml({ a: [{ b: [{ c: { d: null } }, 1] }] })
