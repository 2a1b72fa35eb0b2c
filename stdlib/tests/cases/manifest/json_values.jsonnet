// std.manifestJsonEx: numbers and strings as the reference writes them.
{
  numbers: std.manifestJsonEx([
    0, -0, 1, -1, 0.1, 1 / 3, -2.5, 1e15, 1e16, 1e20, 123456789012345678901234567890,
    1e-7, 2.5e-7, 1.5e300, -1e300, 9007199254740993, 0.000001, 1e21, 4.35, 100.125,
  ], ' '),
  strings: std.manifestJsonEx([
    '', 'plain', 'quote " backslash \\ slash /', 'tab\tnewline\ncr\rff\fbs\b',
    '\u0001\u001f\u007f\u0080\u009f\u00a0', 'é ü ß', '日本語', '😀 \ud83d\ude00',
    '\u2028\u2029', '<script>&amp;</script>', "single ' quote",
  ], ' '),
  long: std.length(std.manifestJsonMinified(std.makeArray(2000, function(i) 'item %d' % i))),
  keys: std.manifestJsonEx({ 'é': 1, '\n': 2, '"': 3, '日本': 4, a: 5, B: 6, _: 7, '1': 8 }, ' '),
}
