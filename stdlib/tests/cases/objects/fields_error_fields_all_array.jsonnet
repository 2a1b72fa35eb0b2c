std.objectFieldsAll([])
