// Static checks report every problem at once.
local f(x, x) = y;
{ a: self.b, c: z } + super.d
