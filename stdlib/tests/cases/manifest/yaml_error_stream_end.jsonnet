std.manifestYamlStream([1], c_document_end=null)
