std.strReplace("abc", "", "b")
