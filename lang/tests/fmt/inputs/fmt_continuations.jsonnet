local f(a, b, c) = a + b + c;
{
  long: f(1,
          2,
          3),
  ops: 1 +
       2 +
       3,
  comp: [x * 2 for x in [1, 2, 3] if x > 1],
  objcomp: { [k]: k for k in ['a', 'b'] },
  assertion: assert true : 'msg'; 1,
  err: if false then error 'no' else null,
  str: 'a' in { a: 1 },
  apply: f(
    1, 2, 3),
}
