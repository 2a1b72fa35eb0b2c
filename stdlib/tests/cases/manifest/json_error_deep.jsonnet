// Nesting deeper than the stack allows fails cleanly.
local nest(n) = if n == 0 then [] else [nest(n - 1)];
std.manifestJsonMinified(nest(1000))
