std.prune({f: function(x) x})
