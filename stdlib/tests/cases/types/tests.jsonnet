// type tests and core rows
{
  values: [[std.isArray(v), std.isBoolean(v), std.isFunction(v), std.isNull(v), std.isNumber(v), std.isObject(v), std.isString(v)] for v in [[], true, function(x) x, null, 1, {}, "s"]],
  builtin_is_function: std.isFunction(std.isFunction),
  named: std.isString(v="a"),
  type: [std.type(v) for v in [[], true, std.type, null, 1, {}, "s"]],
  length: [std.length([1, 2]), std.length("héllo"), std.length({a: 1, b:: 2}), std.length(function(a, b=1) a), std.length(std.pow)],
  equals: [std.equals(1, 1), std.equals([1, {a: 2}], [1, {a: 2}]), std.equals(function(x) x, 1), std.equals({a:: 1}, {})],
  primitive_equals: [std.primitiveEquals(1, 1), std.primitiveEquals("a", "b"), std.primitiveEquals(null, null), std.primitiveEquals([], 1), std.primitiveEquals(function(x) x, 1), std.primitiveEquals(true, true)],
}
