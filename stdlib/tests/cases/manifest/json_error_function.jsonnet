std.manifestJsonEx({ 'a"b': [1, { c: function(x) x }] }, '  ')
