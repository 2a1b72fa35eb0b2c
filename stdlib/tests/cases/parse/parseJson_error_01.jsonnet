std.parseJson("broken json")
