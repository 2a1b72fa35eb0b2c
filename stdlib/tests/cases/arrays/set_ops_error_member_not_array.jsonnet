std.setMember(1, 2)
