import |||
  data.bin

|||
