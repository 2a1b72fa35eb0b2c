importbin |||
  data.bin
|||
