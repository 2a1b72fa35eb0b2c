// Unbounded recursion through a function: the note says so, as it does
// for a field that needs itself.
local countdown(n) = countdown(n - 1) + 1;
countdown(3)
