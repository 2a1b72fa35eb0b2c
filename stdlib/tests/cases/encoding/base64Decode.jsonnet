// Edge cases of std.base64Decode, each field named after its expression.
{
  "std.base64Decode(\"w6k=\")": std.base64Decode("w6k="),
  "std.base64Decode(\"aGVsbG8=\")": std.base64Decode("aGVsbG8="),
  "std.base64Decode(\"/w==\")": std.base64Decode("/w=="),
}
