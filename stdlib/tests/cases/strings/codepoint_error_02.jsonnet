std.codepoint("")
