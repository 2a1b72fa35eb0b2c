|||
  abc
