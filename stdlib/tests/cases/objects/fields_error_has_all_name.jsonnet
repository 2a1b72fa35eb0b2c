std.objectHasAll({}, null)
