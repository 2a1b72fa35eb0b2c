// std.manifestYamlDoc: the flags are only evaluated when the output needs
// them.
{
  no_objects: std.manifestYamlDoc([1, [2]], error 'not needed', error 'not needed'),
  no_array_fields: std.manifestYamlDoc({ a: 1, b: { c: [] } }, error 'not needed'),
  empty_object: std.manifestYamlDoc({ a:: 1 }, quote_keys=error 'not needed'),
}
