// All fields are read before any value is written.
std.manifestToml({ a: null, b: error 'b is read first' })
