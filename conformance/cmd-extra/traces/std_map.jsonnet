{
  names: std.map(function(x) x.name, [{ name: 'a' }, {}]),
}
