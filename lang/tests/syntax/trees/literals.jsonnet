[null, true, false, self, $, 0, 1_000, 2.5e-3, 1E+2, 0.0, "d", 's', @"v""q", @'w''q']
