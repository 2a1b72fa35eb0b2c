std.manifestYamlStream([1, error 'second document fails'])
