std.manifestYamlDoc({ a: [1] }, indent_array_in_object=1)
