// An error inside an array inside two objects: the trace lists the element
// and both fields, each at the span of the value around it.
local f(x) = x.y;
{
  a: {
    b: [1, f({}), 3],
  },
}
