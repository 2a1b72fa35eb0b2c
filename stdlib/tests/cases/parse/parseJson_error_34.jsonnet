std.parseJson("\"a\nb\"")
