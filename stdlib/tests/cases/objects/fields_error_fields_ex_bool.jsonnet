std.objectFieldsEx({}, 1)
