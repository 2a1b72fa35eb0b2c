{
  outer: {
    inner: [
      { z: error 'deep' },
    ],
  },
}
