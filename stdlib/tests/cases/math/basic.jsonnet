// std.abs, std.sign, std.max, std.min, std.clamp, std.round, parity tests, std.xor
{
  abs: [std.abs(-3.5), std.abs(2), std.abs(-0)],
  abs_zero: std.abs(0),
  sign: [std.sign(-2), std.sign(0), std.sign(-0), std.sign(0.1)],
  max: [std.max(1, 2), std.max(2, 1), std.max(-1, -1)],
  max_zeros: [std.max(0, -0), std.max(-0, 0)],
  min: [std.min(1, 2), std.min(2, 1)],
  min_zeros: [std.min(0, -0), std.min(-0, 0)],
  clamp: [std.clamp(5, 1, 3), std.clamp(0, 1, 3), std.clamp(2, 1, 3)],
  clamp_strings: std.clamp("b", "a", "c"),
  clamp_arrays: std.clamp([2], [1], [3]),
  clamp_lazy: std.clamp(0, 1, error "unused"),
  round: [std.round(2.5), std.round(-2.5), std.round(0.4999), std.round(-0.4), std.round(1e20)],
  parity: [std.isEven(4), std.isEven(3), std.isEven(2.4), std.isOdd(-3), std.isOdd(2.6), std.isEven(0)],
  integer: [std.isInteger(1), std.isInteger(1.5), std.isInteger(-0), std.isDecimal(1.5), std.isDecimal(2)],
  xor: [std.xor(true, false), std.xor(true, true), std.xor(1, "1"), std.xnor(false, false), std.xnor(1, 2), std.xnor([1], [1])],
}
