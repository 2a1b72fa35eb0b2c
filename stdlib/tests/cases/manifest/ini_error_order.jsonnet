// Fields are read before values are converted.
std.manifestIni({ main: { a: function() 1 }, sections: { b: { c: error 'read first' } } })
