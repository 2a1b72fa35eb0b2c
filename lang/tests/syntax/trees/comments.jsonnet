# hash
{
  // slash
  a: 1, /* block */ b: 2,  # trailing   
  /*
   * multi
   */
  c: 3,
}
// last