// math natives
{
  pow: [std.pow(2, 10), std.pow(2, 0.5), std.pow(2, -1), std.pow(0, 0), std.pow(-8, 3)],
  floor_ceil: [std.floor(1.5), std.floor(-1.5), std.ceil(1.5), std.ceil(-1.5), std.ceil(-0.5), std.floor(-0)],
  sqrt: [std.sqrt(16), std.sqrt(2), std.sqrt(0)],
  trig: [std.sin(1), std.cos(1), std.tan(1), std.asin(0.5), std.acos(0.5), std.atan(1)],
  atan2: [std.atan2(1, 1), std.atan2(-1, -1), std.atan2(0, -1), std.atan2(0, 0)],
  hypot: [std.hypot(3, 4), std.hypot(1e200, 1e200), std.hypot(0, 0)],
  log_exp: [std.log(1), std.log(10), std.exp(0), std.exp(1), std.exp(-1000)],
  log2_log10: [std.log2(8), std.log2(10), std.log10(1000), std.log10(2), std.log2(1)],
  mantissa: [std.mantissa(0), std.mantissa(8), std.mantissa(-0.1), std.mantissa(1e308), std.mantissa(5e-324), std.mantissa(1)],
  exponent: [std.exponent(0), std.exponent(8), std.exponent(-0.1), std.exponent(1e308), std.exponent(5e-324), std.exponent(1)],
  modulo: [std.modulo(5, 3), std.modulo(-5, 3), std.modulo(5.5, -2), std.modulo(0, 7), std.modulo(1e300, 3)],
  deg_rad: [std.deg2rad(180), std.rad2deg(std.pi), std.deg2rad(-90), std.rad2deg(1)],
  pi: std.pi,
}
