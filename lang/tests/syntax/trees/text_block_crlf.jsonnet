local a = |||
  x
|||;
a
