std.parseJson("987_543")
