std.setMember(1, "abc")
