|||
  abc