std.parseJson("\ufeff")
