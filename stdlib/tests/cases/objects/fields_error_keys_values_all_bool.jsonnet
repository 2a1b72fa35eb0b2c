std.objectKeysValuesAll(true)
