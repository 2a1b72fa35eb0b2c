// Leading comment.
{
  a: 1,  # hash after code
  /* interstitial */ b: 2,
  c: [
    1,  // one


    2,
  ],
  # standalone hash
  d: 'x',
}
// Final comment.
