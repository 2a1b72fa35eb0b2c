std.objectFields(1)
