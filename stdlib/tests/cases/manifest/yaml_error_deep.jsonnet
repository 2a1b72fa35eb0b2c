local nest(n) = if n == 0 then {} else { a: nest(n - 1) };
std.manifestYamlDoc(nest(1000))
