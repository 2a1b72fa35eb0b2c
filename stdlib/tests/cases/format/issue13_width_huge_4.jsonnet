// A field far wider than anything can hold (issue 13).
std.format("%-1e20s", ["x"])
