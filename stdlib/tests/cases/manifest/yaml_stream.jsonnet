// std.manifestYamlStream: documents, c_document_end and the key options.
local docs = [{ a: 1, b: [1, 2] }, [], {}, 3, '"', 'block\n', [{ c: [] }], null];
{
  stream: std.manifestYamlStream(docs),
  no_end: std.manifestYamlStream(docs, c_document_end=false),
  unquoted: std.manifestYamlStream(docs, quote_keys=false),
  indented: std.manifestYamlStream(docs, indent_array_in_object=true),
  positional: std.manifestYamlStream(docs, true, false, false),
  empty: std.manifestYamlStream([]),
  empty_no_end: std.manifestYamlStream([], c_document_end=false),
  one: std.manifestYamlStream([1]),
  unused_flags: std.manifestYamlStream([1, 'x'], error 'not needed', true, error 'not needed'),
}
