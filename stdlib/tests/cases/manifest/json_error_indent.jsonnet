std.manifestJsonEx([1], function(x) x)
