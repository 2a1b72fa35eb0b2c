std.parseJson("\"\\u12G4\"")
