std.parseJson("\"a\\qb\"")
